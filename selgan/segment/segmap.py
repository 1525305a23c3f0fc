"""SegMap: a label map together with the vocabulary that gives its ids meaning."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from selgan.errors import ImageError, UnknownClassError
from selgan.labels.vocab import Vocabulary, get_mapping, get_vocabulary

# The "unsure" flag (the app hatches these pixels; the synthesis guard counts them): a calibrated confidence
# below this. Chosen on held-apart frames (see camvid-seg's card, "Calibration").
UNSURE_BELOW = 0.75


@dataclass(frozen=True)
class ClassShare:
    """One class present in a label map and the share of pixels it covers."""

    class_id: int
    name: str
    color: tuple[int, int, int]
    share: float


@dataclass(frozen=True)
class SegMap:
    """Integer labels H×W plus their vocabulary; confidence (H×W in [0, 1]) where the segmenter gives one."""

    labels: np.ndarray
    vocab: Vocabulary
    confidence: np.ndarray | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), as PIL reports image sizes."""
        return self.labels.shape[1], self.labels.shape[0]

    def resize(self, size: tuple[int, int]) -> SegMap:
        """Nearest-neighbour resize to (width, height): ids are never blended."""
        img = Image.fromarray(self.labels.astype(np.int32), mode="I").resize(size, Image.NEAREST)
        confidence = None
        if self.confidence is not None:
            confidence = np.asarray(
                Image.fromarray(self.confidence.astype(np.float32), mode="F").resize(size, Image.BILINEAR)
            )
        return SegMap(np.asarray(img, dtype=np.int64), self.vocab, confidence)

    def to_color(self) -> Image.Image:
        """The label map in the vocabulary's colours."""
        return Image.fromarray(self.vocab.palette()[self.labels])

    def overlay(self, image: Image.Image | np.ndarray, alpha: float = 0.5) -> Image.Image:
        """Colours blended over an image of the same size."""
        base = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image, dtype=np.float64)
        colors = self.vocab.palette()[self.labels].astype(np.float64)
        return Image.fromarray((base * (1 - alpha) + colors * alpha).round().astype(np.uint8))

    def classes_present(self) -> list[ClassShare]:
        """Classes in the map with their pixel shares, largest first."""
        counts = np.bincount(self.labels.ravel(), minlength=self.vocab.num_classes)
        total = max(int(counts.sum()), 1)
        present = [
            ClassShare(i, self.vocab.class_names[i], self.vocab.colors[i], float(c) / total)
            for i, c in enumerate(counts)
            if c
        ]
        return sorted(present, key=lambda s: -s.share)

    def to_vocabulary(self, name: str) -> SegMap:
        """The same map in another vocabulary, through the built-in mapping between them (itself if already in it)."""
        if name == self.vocab.name:
            return self
        mapping = get_mapping(self.vocab.name, name)
        return SegMap(mapping(self.labels), get_vocabulary(name), self.confidence)

    def with_overrides(self, mask: np.ndarray, class_id: int) -> SegMap:
        """Paint class_id where mask is set (interactive corrections, or asking for other content)."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != self.labels.shape:
            raise ImageError(f"override mask is {mask.shape[::-1]} but the label map is {self.size}")
        if not 0 <= class_id < self.vocab.num_classes:
            raise UnknownClassError(f"class id {class_id} is not in the {self.vocab.name} vocabulary")
        labels = self.labels.copy()
        labels[mask] = class_id
        confidence = None
        if self.confidence is not None:  # a person's correction is certain
            confidence = self.confidence.copy()
            confidence[mask] = 1.0
        return SegMap(labels, self.vocab, confidence)

    def uncertain(self, threshold: float | None = None) -> np.ndarray:
        """Bool H×W: pixels whose label the segmenter gave less than `threshold` probability (UNSURE_BELOW by
        default; none without confidence)."""
        if self.confidence is None:
            return np.zeros(self.labels.shape, dtype=bool)
        return self.confidence < (UNSURE_BELOW if threshold is None else threshold)
