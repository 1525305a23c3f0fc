"""Photometric augmentation of training photos: other cameras, other light.

Applied to the codec's input and target alike, it stops a class-to-colour prior from paying (a
generator trained on one camera paints that camera's colours everywhere); for the segmenter it is
what lets a model trained on CamVid hold up on other cameras.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

# YIQ: luma plus a chroma plane, so a hue shift is a rotation of (I, Q) and saturation a scaling.
_RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=np.float32)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ).astype(np.float32)


def colour_jitter(image: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """uint8 H×W×3 -> uint8: white balance, exposure, gamma, saturation and hue, each drawn from rng.

    strength 1 spans roughly what differs between street cameras: ±25% per-channel gain, ±0.5 stop,
    gamma 0.7–1.4, saturation 0.5–1.6, hue ±20°.
    """
    if strength <= 0:
        return image
    x = image.astype(np.float32) / 255
    gains = np.exp(rng.normal(0, 0.12 * strength, 3)).astype(np.float32)
    exposure = np.float32(2 ** rng.uniform(-0.5 * strength, 0.5 * strength))
    x = np.clip(x * gains * exposure, 0, 1)
    x = x ** np.float32(np.exp(rng.uniform(-0.35 * strength, 0.35 * strength)))
    yiq = x @ _RGB_TO_YIQ.T
    angle = np.deg2rad(rng.uniform(-20, 20) * strength)
    saturation = np.exp(rng.uniform(-0.7, 0.5) * strength)
    c, s = np.cos(angle) * saturation, np.sin(angle) * saturation
    i, q = yiq[..., 1].copy(), yiq[..., 2].copy()
    yiq[..., 1], yiq[..., 2] = c * i - s * q, s * i + c * q
    x = np.clip(yiq @ _YIQ_TO_RGB.T, 0, 1)
    return (x * 255 + 0.5).astype(np.uint8)


def camera_degradations(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 H×W×3 -> uint8: sometimes blur, sensor noise and JPEG, as cheaper cameras and uploads add."""
    if rng.random() < 0.3:
        image = np.array(Image.fromarray(image).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5))))
    if rng.random() < 0.3:
        noise = rng.normal(0, rng.uniform(2, 8), image.shape)
        image = np.clip(image + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=int(rng.integers(30, 90)))
        image = np.array(Image.open(buffer).convert("RGB"))
    return image
