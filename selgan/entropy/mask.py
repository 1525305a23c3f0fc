"""Lossless coding of a painted binary mask at latent resolution."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from selgan.entropy.coder import decode_grid, encode_grid, neighbour, quantize_pmf
from selgan.entropy.tables import FrozenTables

_SLOPE = 2


class MaskModel(FrozenTables):
    """P(bit | left, top, top-left, top-right), each neighbour 0, 1 or outside."""

    TABLES = ("table",)

    def __init__(self, table: np.ndarray | None = None) -> None:
        super().__init__({"table": 2})
        if table is not None:
            self.set_table("table", table)

    def check_table(self, name: str, shape: tuple[int, ...]) -> None:
        if shape != (81, 2):
            raise ValueError(f"mask table must be (81, 2), got {shape}")

    @classmethod
    def fit(cls, masks: Iterable[np.ndarray]) -> MaskModel:
        """Learn the table from example masks by counting, with add-one smoothing."""
        counts = np.ones((81, 2))
        for mask in masks:
            ys, xs = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
            np.add.at(counts, (_contexts(mask.astype(np.int64), ys.ravel(), xs.ravel()), mask.ravel().astype(int)), 1)
        return cls(quantize_pmf(counts))

    def encode(self, mask: np.ndarray) -> bytes:
        """Boolean mask (h, w) -> bytes."""
        grid = mask.astype(np.int64)
        return encode_grid(grid, np.ones(mask.shape, dtype=bool), self.frozen("table"), _contexts, _SLOPE)

    def decode(self, data: bytes, shape: tuple[int, int]) -> np.ndarray:
        """bytes -> boolean mask of the given (h, w)."""
        grid = decode_grid(data, np.ones(shape, dtype=bool), self.frozen("table"), _contexts, _SLOPE, fill=0)
        return grid.astype(bool)


def _contexts(grid: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    left = neighbour(grid, ys, xs, 0, -1, 2)
    top = neighbour(grid, ys, xs, -1, 0, 2)
    top_left = neighbour(grid, ys, xs, -1, -1, 2)
    top_right = neighbour(grid, ys, xs, -1, 1, 2)
    return ((left * 3 + top) * 3 + top_left) * 3 + top_right
