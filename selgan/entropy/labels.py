"""Lossless label-map coding with a context model learned from data (counts with back-off)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from selgan.entropy.coder import decode_grid, encode_grid, neighbour, quantize_pmf
from selgan.entropy.tables import FrozenTables

# Wavefront slope 2 makes the top-right neighbour causal.
_SLOPE = 2


class LabelMapModel(FrozenTables):
    """P(label | left, top, top-left, top-right) as an integer table; 'outside' is one more value."""

    TABLES = ("table",)

    def __init__(self, num_classes: int, table: np.ndarray | None = None) -> None:
        super().__init__({"table": num_classes})
        self.num_classes = num_classes
        if table is not None:
            self.set_table("table", table)

    def check_table(self, name: str, shape: tuple[int, ...]) -> None:
        expected = ((self.num_classes + 1) ** 4, self.num_classes)
        if shape != expected:
            raise ValueError(f"label table must be {expected}, got {shape}")

    @classmethod
    def fit(cls, label_maps: Iterable[np.ndarray], num_classes: int) -> LabelMapModel:
        """Learn the table from downsampled label maps by smoothed counting with back-off."""
        states = num_classes + 1
        full = np.zeros((states**4, num_classes))
        for labels in label_maps:
            ys, xs = np.mgrid[0 : labels.shape[0], 0 : labels.shape[1]]
            ctx = _contexts(labels, ys.ravel(), xs.ravel(), num_classes)
            np.add.at(full, (ctx, labels.ravel()), 1.0)
        # Back off from (L,T,TL,TR) to (L,T) to L to uniform, each weighted by its evidence.
        by_lt = full.reshape(states, states, states * states, num_classes).sum(axis=2)
        by_l = by_lt.sum(axis=1)
        p_l = (by_l + 1.0 / num_classes) / (by_l.sum(-1, keepdims=True) + 1.0)
        p_lt = (by_lt + 2.0 * p_l[:, None, :]) / (by_lt.sum(-1, keepdims=True) + 2.0)
        p_lt_full = np.repeat(p_lt[:, :, None, :], states * states, axis=2).reshape(full.shape)
        pmf = (full + 2.0 * p_lt_full) / (full.sum(-1, keepdims=True) + 2.0)
        return cls(num_classes, quantize_pmf(pmf))

    def encode(self, labels: np.ndarray) -> bytes:
        """Label map (h, w) ints -> bytes."""
        valid = np.ones(labels.shape, dtype=bool)
        return encode_grid(labels.astype(np.int64), valid, self.frozen("table"), self._context_fn, _SLOPE)

    def decode(self, data: bytes, shape: tuple[int, int]) -> np.ndarray:
        """bytes -> label map of the given (h, w)."""
        valid = np.ones(shape, dtype=bool)
        return decode_grid(data, valid, self.frozen("table"), self._context_fn, _SLOPE, fill=0)

    def _context_fn(self, grid: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        return _contexts(grid, ys, xs, self.num_classes)


def _contexts(grid: np.ndarray, ys: np.ndarray, xs: np.ndarray, num_classes: int) -> np.ndarray:
    states = num_classes + 1
    left = neighbour(grid, ys, xs, 0, -1, num_classes)
    top = neighbour(grid, ys, xs, -1, 0, num_classes)
    top_left = neighbour(grid, ys, xs, -1, -1, num_classes)
    top_right = neighbour(grid, ys, xs, -1, 1, num_classes)
    return ((left * states + top) * states + top_left) * states + top_right
