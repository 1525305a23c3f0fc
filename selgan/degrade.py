"""Daylight photos turned into night, dusk and rain: what a street camera sees when the light goes.

Used two ways: as an evaluation set (`selgan eval-seg --degrade night`: every CamVid val frame made dark the
same way on every machine, seeded by its index) and as training augmentation for the segmenter. The models
work in the camera's linear light: exposure and colour casts multiply it, a sensor adds shot and read noise to
it, and a tone curve brings it back to display values (a plain gamma 2.2; ISP differences are left to
photometric jitter).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from selgan.errors import SelganError

GAMMA = 2.2
# Light colours in linear RGB (relative gains): sodium street lamps, white LEDs and headlights, moonlit blue.
CASTS = {
    "sodium": (1.0, 0.62, 0.25),
    "led": (1.0, 0.95, 0.9),
    "moon": (0.55, 0.7, 1.0),
    "dusk": (1.0, 0.72, 0.55),
}


def _linear(image: np.ndarray) -> np.ndarray:
    return (image.astype(np.float32) / 255) ** GAMMA


def _display(linear: np.ndarray) -> np.ndarray:
    return (np.clip(linear, 0, 1) ** (1 / GAMMA) * 255 + 0.5).astype(np.uint8)


def _blur(linear: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a float H×W×C image (OpenCV keeps float precision; C may be 1)."""
    if sigma <= 0:
        return linear
    blurred = cv2.GaussianBlur(np.ascontiguousarray(linear, np.float32), (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return blurred.reshape(linear.shape)


def _sensor(linear: np.ndarray, rng: np.random.Generator, gain: float) -> np.ndarray:
    """Shot noise (variance ∝ signal) and read noise, amplified by the gain the camera applies in the dark."""
    shot = rng.normal(0, 1, linear.shape).astype(np.float32) * np.sqrt(np.maximum(linear, 0) * 0.002)
    read = rng.normal(0, 0.0015, linear.shape).astype(np.float32)
    return (linear + shot + read) * gain


def _lights(shape: tuple[int, int], rng: np.random.Generator, count: int) -> np.ndarray:
    """H×W×3 linear light of `count` lamps and headlights with bloom: a bright core and a wide glow."""
    height, width = shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    light = np.zeros((height, width, 3), np.float32)
    for _ in range(count):
        y, x = rng.uniform(0.15, 0.7) * height, rng.uniform(0, 1) * width
        core = rng.uniform(0.006, 0.02) * height
        colour = np.asarray(CASTS["sodium" if rng.random() < 0.5 else "led"], np.float32)
        distance2 = (ys - y) ** 2 + (xs - x) ** 2
        glow = 4.0 * np.exp(-distance2 / (2 * core**2)) + 0.25 * np.exp(-distance2 / (2 * (6 * core) ** 2))
        light += glow[..., None] * colour
    return light


def night(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 H×W×3 -> uint8: 2–5 stops darker under street light (sodium, LED or moonlit casts), lamps with
    bloom, the camera's gain with its sensor noise, and slight blur."""
    linear = _linear(image)
    stops = rng.uniform(2, 5)
    cast = np.asarray(CASTS[rng.choice(["sodium", "led", "moon"])], np.float32)
    # No sky light: what light there is falls on the road from lamps and headlights, so the top of the frame
    # (the sky, upper storeys, tree crowns) darkens most; a daylight image's brightest region is its sky.
    height = linear.shape[0]
    falloff = 0.15 + 0.85 * (np.arange(height, dtype=np.float32) / max(height - 1, 1)) ** 1.5
    linear = linear * 2.0**-stops * cast * falloff[:, None, None]
    linear = linear + _lights(linear.shape[:2], rng, int(rng.integers(1, 6))) * 2.0**-stops
    gain = 2.0 ** (stops * rng.uniform(0.3, 0.6))  # auto-exposure gives back part of the light, as noise
    linear = _sensor(linear, rng, gain)
    return _display(_blur(linear, rng.uniform(0.3, 1.0)))


def dusk(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 H×W×3 -> uint8: 1–2.5 stops darker under a warm or blue sky, with some sensor noise."""
    linear = _linear(image)
    stops = rng.uniform(1, 2.5)
    cast = np.asarray(CASTS["dusk" if rng.random() < 0.6 else "moon"], np.float32)
    gain = 2.0 ** (stops * rng.uniform(0.3, 0.6))
    return _display(_sensor(linear * 2.0**-stops * cast, rng, gain))


def rain(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 H×W×3 -> uint8: grey haze and lower contrast, defocus, droplets on the lens (discs showing a
    blurred, shifted view) and faint streaks."""
    linear = _linear(image)
    haze = rng.uniform(0.15, 0.4)
    linear = linear * (1 - haze) + haze * np.float32(linear.mean()) * 1.2
    linear = _blur(linear, rng.uniform(0.5, 1.5))
    height, width = linear.shape[:2]
    smeared = np.roll(_blur(linear, 6.0), (int(rng.integers(-8, 9)), int(rng.integers(-8, 9))), axis=(0, 1))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    for _ in range(int(rng.integers(5, 25))):
        y, x, r = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(0.01, 0.05) * width
        inside = np.clip(1.5 - np.sqrt((ys - y) ** 2 + (xs - x) ** 2) / r, 0, 1)[..., None]
        linear = linear * (1 - inside) + smeared * inside
    streaks = np.zeros((height, width), np.float32)
    for _ in range(int(rng.integers(50, 200))):
        y, x, length = int(rng.integers(0, height)), int(rng.integers(0, width)), int(rng.integers(8, 30))
        rows = np.clip(y + np.arange(length), 0, height - 1)
        cols = np.clip(x + np.arange(length) // 4, 0, width - 1)
        streaks[rows, cols] = 0.15
    return _display(linear + _blur(streaks[..., None], 0.7))


CONDITIONS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "night": night,
    "dusk": dusk,
    "rain": rain,
}


def degrade(image: np.ndarray, condition: str, rng: np.random.Generator) -> np.ndarray:
    """uint8 H×W×3 -> uint8 under one of CONDITIONS, drawn from rng (the same rng state gives the same image)."""
    if condition not in CONDITIONS:
        raise SelganError(f"unknown condition {condition!r}: choose from {', '.join(CONDITIONS)}")
    return CONDITIONS[condition](np.asarray(image, np.uint8), rng)
