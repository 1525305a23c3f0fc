"""The Segmenter protocol every backend follows."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from selgan.imageio import ImageLike
from selgan.labels.vocab import Vocabulary
from selgan.segment.segmap import SegMap


@runtime_checkable
class Segmenter(Protocol):
    """Turns an image into a SegMap in its own vocabulary."""

    vocab: Vocabulary

    def segment(self, image: ImageLike) -> SegMap:
        """Label every pixel of the image."""
        ...
