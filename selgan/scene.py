"""The scene check: before anything is coded, is this photo like the ones the models learnt (daylight streets)?

The segmenter is confidently wrong at night and on photos that are not streets, and the synthesis follows its
labels; the synthesis guard (selgan.guard) sees the damage only after decoding. Two cheap signs, from the photo
and its segmentation, say so first (`python benchmarks/scene_check.py` measures them):
- low light: the mean brightness of the photo;
- an unfamiliar scene: the segmenter's mean (calibrated) confidence, which drops on what it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from selgan.metrics import luma
from selgan.segment import SegMap


@dataclass(frozen=True)
class SceneLimits:
    """Where a photo stops looking like the models' world. Chosen on the odd CamVid val frames (day, and the
    simulated night, dusk and rain of selgan.degrade), the 8 Cityscapes frames and the dashcam photo, and on
    non-street photos (benchmarks/images/nonstreet): daylight street photos have a mean brightness of 59 or
    more (Cityscapes, the darkest camera) and a mean confidence of 0.886 or more (the dashcam); the simulated
    nights 46 or less; the non-street photos 0.84 or less."""

    min_brightness: float = 40.0  # mean luma, 0-255: below, the photo is called dark (dusk mostly passes)
    min_confidence: float = 0.86  # the segmenter's mean confidence over the photo


@dataclass(frozen=True)
class SceneCheck:
    """The two signs for one photo, and what they say under the limits."""

    brightness: float  # mean luma, 0-255
    confidence: float  # the segmenter's mean confidence (nan when it gives none)
    limits: SceneLimits = SceneLimits()

    @property
    def dark(self) -> bool:
        return self.brightness < self.limits.min_brightness

    @property
    def unfamiliar(self) -> bool:
        return not np.isnan(self.confidence) and self.confidence < self.limits.min_confidence

    @property
    def doubtful(self) -> bool:
        """Either sign: the labels, and what is painted from them, may be wrong."""
        return self.dark or self.unfamiliar

    def reasons(self) -> list[str]:
        """Why, in plain words (empty when the photo looks like a daylight street)."""
        out = []
        if self.dark:
            out.append(
                f"it is dark (mean brightness {self.brightness:.0f} of 255; daylight street photos have "
                f"{self.limits.min_brightness:.0f} or more): night or low light"
            )
        if self.unfamiliar:
            out.append(
                f"the segmenter is unsure of it (mean confidence {self.confidence:.2f}; daylight street photos "
                f"give {self.limits.min_confidence:.2f} or more): it may not be a street scene"
            )
        return out


def check_scene(rgb: np.ndarray, segmap: SegMap, limits: SceneLimits = SceneLimits()) -> SceneCheck:
    """The scene check of a photo (uint8 H×W×3) and its segmentation."""
    brightness = float(luma(rgb).mean())
    confidence = float(segmap.confidence.mean()) if segmap.confidence is not None else float("nan")
    return SceneCheck(brightness, confidence, limits)
