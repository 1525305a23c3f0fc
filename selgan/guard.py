"""The synthesis guard: before a selective file is written, look at what the decoder paints in each synthesised
region and say where it is far from the photo (a night sky painted as foliage, a parrot painted as brick).

The encoder holds the photo and the decoder, so it can measure each synthesised class region of its own
result. Three signs, each measured on real files (`python benchmarks/synthesis_guard.py`):
- the region's colour and brightness (16× area average) against the photo's there: low-frequency PSNR;
- its detail: the high-frequency energy painted against the photo's (a smooth dark sky painted as leaves,
  or leaves painted as a flat wash), as a ratio;
- how sure the segmenter was of the labels the painting follows (share of 'unsure' pixels).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import cv2
import numpy as np

from selgan.bitstream import Bitstream
from selgan.codec import CodecNetwork
from selgan.metrics import luma, psnr_lowfreq
from selgan.scene import check_scene
from selgan.segment import SegMap
from selgan.segment.segmap import UNSURE_BELOW

MIN_SHARE = 0.01  # regions smaller than this share of the image are not judged (too few blocks to measure)


@dataclass(frozen=True)
class RegionCheck:
    """One synthesised class region: its class, share of the image and the three signs."""

    class_id: int
    name: str
    share: float
    psnr_lowfreq: float  # dB, photo against painting, 16× area average (nan: no whole block inside)
    detail_ratio: float  # painted high-frequency energy over the photo's (1 = as detailed)
    unsure: float  # share of the region's pixels whose label was below the unsure threshold (0 without)


@dataclass(frozen=True)
class GuardLimits:
    """Where a region stops passing for the photo. Chosen on the odd CamVid val frames, in daylight and at
    simulated night, and the Cityscapes frames (`python benchmarks/synthesis_guard.py --frames heldout`): in
    daylight the painting has less detail than the photo (a median of 3.0× less, at most 1.8× more), so only more detail
    than the photo is a sign; colour and unsure labels are judged where daylight never goes."""

    min_psnr_lowfreq: float = 15.0
    max_detail_log2: float = 1.5  # painted detail above 2^1.5 ≈ 2.8× the photo's: texture where it has none
    max_unsure: float = 0.7

    def reasons(self, check: RegionCheck) -> list[str]:
        """Why a region fails (empty when it passes)."""
        reasons = []
        if not math.isnan(check.psnr_lowfreq) and check.psnr_lowfreq < self.min_psnr_lowfreq:
            reasons.append(f"its colour is far from the photo's (low-frequency PSNR {check.psnr_lowfreq:.1f} dB)")
        if math.log2(max(check.detail_ratio, 1e-6)) > self.max_detail_log2:
            reasons.append(f"it is painted with {check.detail_ratio:.1f}× the photo's detail")
        if check.unsure > self.max_unsure:
            reasons.append(f"the segmenter was unsure of {check.unsure:.0%} of its labels")
        return reasons

    def failing(self, checks: list[RegionCheck]) -> list[tuple[RegionCheck, list[str]]]:
        """The regions that fail, each with its reasons."""
        return [(check, reasons) for check in checks if (reasons := self.reasons(check))]


def detail(image: np.ndarray) -> np.ndarray:
    """H×W high-frequency energy: squared luminance minus its 2-pixel Gaussian blur."""
    brightness = luma(image).astype(np.float32)
    return (brightness - cv2.GaussianBlur(brightness, (0, 0), 2.0)) ** 2


def _inside(region: np.ndarray, margin: int = 4) -> np.ndarray:
    """The region less a margin along its border, where the edge between two classes (in the photo and in
    the painting alike) would count as detail; the region itself when nothing is left."""
    inner = cv2.erode(region.astype(np.uint8), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)).astype(bool)
    return inner if inner.any() else region


def check_regions(
    original: np.ndarray,
    reconstruction: np.ndarray,
    labels: np.ndarray,
    synthesised: np.ndarray,
    class_names: tuple[str, ...],
    confidence: np.ndarray | None = None,
    unsure_below: float = UNSURE_BELOW,
) -> list[RegionCheck]:
    """The signs of every synthesised class region covering at least MIN_SHARE of the image."""
    photo_detail, painted_detail = detail(original), detail(reconstruction)
    checks = []
    for class_id in np.unique(labels[synthesised]).tolist():
        region = synthesised & (labels == class_id)
        share = float(region.mean())
        if share < MIN_SHARE:
            continue
        inner = _inside(region)
        ratio = (painted_detail[inner].mean() + 1.0) / (photo_detail[inner].mean() + 1.0)
        unsure = float((confidence[region] < unsure_below).mean()) if confidence is not None else 0.0
        checks.append(
            RegionCheck(
                class_id,
                class_names[class_id],
                share,
                psnr_lowfreq(original, reconstruction, mask=region),
                float(ratio),
                unsure,
            )
        )
    return checks


LIMITS = GuardLimits()


class GuardWarning(UserWarning):
    """A synthesised region of a file just made may not pass for the photo."""


class SceneWarning(GuardWarning):
    """The photo of a selective file may be outside what the models know (selgan.scene: dark, or not a street).

    A GuardWarning because it is the guard's (it comes with guard_file, and not with guard='off'), so one filter
    covers both; catch SceneWarning first to tell it from the regions' warnings."""


def doubts(
    original: np.ndarray,
    reconstruction: np.ndarray,
    labels: np.ndarray,
    synthesised: np.ndarray,
    class_names: tuple[str, ...],
    confidence: np.ndarray | None = None,
) -> list[tuple[RegionCheck, list[str]]]:
    """The synthesised regions that fail LIMITS, each with its reasons (what the app shows, what compress warns)."""
    return LIMITS.failing(check_regions(original, reconstruction, labels, synthesised, class_names, confidence))


def describe(check: RegionCheck, reasons: list[str]) -> str:
    """One sentence on a doubted region: which, how much of the image, why."""
    return f"the painted {check.name} ({check.share:.0%} of the image) may not pass for the photo: {'; '.join(reasons)}"


def guard_file(
    network: CodecNetwork, bitstream: Bitstream, rgb: np.ndarray, labelled: SegMap | None, hint: str, stacklevel: int
) -> np.ndarray:
    """Decode a file just made from `rgb` with `labelled` (its labels and the segmenter's confidence), warn
    (GuardWarning, ending with `hint`: what the caller does about it) about every synthesised region that does
    not pass for the photo, and return their pixels (H×W bool) so that a caller can preserve them."""
    _, coded = network.decode_side_info(bitstream)
    synthesised = ~network.cells_to_pixels(coded, bitstream.height, bitstream.width)
    flagged = np.zeros(synthesised.shape, dtype=bool)
    if labelled is None or not synthesised.any():
        return flagged
    scene = check_scene(rgb, labelled)
    if scene.doubtful:
        warnings.warn(
            f"this photo may be outside what the models know: {'; '.join(scene.reasons())}. The models learnt "
            "daylight street scenes and the painted regions follow the segmenter's labels: a global model, or "
            "preserving more, is safer",
            SceneWarning,
            stacklevel=stacklevel + 1,
        )
    reconstruction = network.decompress(bitstream)
    names = network.vocab.class_names
    for check, reasons in doubts(rgb, reconstruction, labelled.labels, synthesised, names, labelled.confidence):
        flagged |= synthesised & (labelled.labels == check.class_id)
        warnings.warn(f"{describe(check, reasons)}; {hint}", GuardWarning, stacklevel=stacklevel + 1)
    return flagged
