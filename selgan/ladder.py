"""The candidates of a byte budget's rate ladder: one codec's analysis of an image, computed once, and the file
each rung would make from it (selgan.api.Codec.rate_ladder builds the ladder, selgan.budget chooses)."""

from __future__ import annotations

import numpy as np

from selgan.bitstream import Bitstream
from selgan.codec.network import Analysis
from selgan.codec.refine import FAST, Effort, Progress


class Analyses:
    """Each codec's analysis of one image (the encoder's symbols, the coded label map), computed once."""

    def __init__(self, rgb: np.ndarray, label_map: np.ndarray) -> None:
        self.rgb, self.label_map = rgb, label_map
        self._done: dict[str, Analysis] = {}

    def of(self, codec) -> Analysis:
        """codec's (a selgan.api.Codec) analysis of the image."""
        if codec.model_id not in self._done:
            self._done[codec.model_id] = codec.model.analyse(self.rgb, self.label_map)
        return self._done[codec.model_id]


class Candidate:
    """One rung's file: a codec and what it preserves (classes; none = the whole image; `nothing` = no cell)."""

    def __init__(self, codec, classes: tuple[int, ...] | None, nothing: bool, analyses: Analyses, seed: int):
        self.codec, self.classes, self.nothing, self.analyses, self.seed = codec, classes, nothing, analyses, seed

    def _painted(self) -> np.ndarray | None:
        return np.zeros(self.analyses.of(self.codec).symbols.shape[-2:], dtype=bool) if self.nothing else None

    def make(self, effort: Effort = FAST, progress: Progress | None = None) -> Bitstream:
        """The real file; with an effort above fast, its latent fitted to the decoder (selgan.codec.refine)."""
        model, painted = self.codec.model, self._painted()
        analysis = model.refine(self.analyses.of(self.codec), self.classes, painted, self.seed, effort, progress)
        coded = model.code(analysis, self.classes, painted, self.seed)
        return Bitstream.of(coded, self.codec.model_id, self.codec.weights_hash)

    def floor(self) -> int:
        """Bytes the file has at least, known without coding its latent."""
        return self.codec.model.min_bytes(self.analyses.of(self.codec), self.classes, self._painted())
