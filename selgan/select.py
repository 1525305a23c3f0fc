"""Preserve sets -> masks at latent resolution."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from selgan.errors import ImageError, UnknownClassError
from selgan.labels.vocab import Vocabulary


def resolve_classes(names: Iterable[str | int], vocab: Vocabulary) -> tuple[int, ...]:
    """Class names (case-insensitive, synonyms allowed) or ids -> sorted unique ids."""
    return tuple(sorted(class_order(names, vocab)))


def class_order(names: Iterable[str | int], vocab: Vocabulary) -> list[int]:
    """Class names or ids -> ids in the order given, each once (a priority list)."""
    ids: list[int] = []
    for name in names:
        if isinstance(name, (int, np.integer)):
            if not 0 <= int(name) < vocab.num_classes:
                raise UnknownClassError(f"class id {name} is not in the {vocab.name} vocabulary (0–{vocab.num_classes - 1})")
            class_id = int(name)
        else:
            class_id = vocab.class_id(name)
        if class_id not in ids:
            ids.append(class_id)
    return ids


def painted_latent_mask(mask: np.ndarray, size: tuple[int, int], padded: tuple[int, int], stride: int) -> np.ndarray:
    """Full-resolution boolean mask (H,W) of an image of (w, h) size -> latent cells touched by any painted pixel.

    padded is the (H, W) the codec works at; the result is (H/stride, W/stride).
    """
    mask = np.asarray(mask)
    if mask.ndim == 3:
        mask = mask.max(axis=2)
    if (mask.shape[1], mask.shape[0]) != tuple(size):
        raise ImageError(f"mask is {mask.shape[1]}×{mask.shape[0]} but the image is {size[0]}×{size[1]}")
    canvas = np.zeros(padded, bool)
    canvas[: mask.shape[0], : mask.shape[1]] = mask > 0
    h, w = padded[0] // stride, padded[1] // stride
    return canvas.reshape(h, stride, w, stride).any(axis=(1, 3))


def pixel_preserve_mask(
    labels: np.ndarray, class_ids: Iterable[int], add: np.ndarray | None = None, remove: np.ndarray | None = None
) -> np.ndarray:
    """Full-resolution preserve mask: pixels of the classes, plus `add`, minus `remove` (bool H×W each)."""
    mask = np.isin(labels, np.asarray(tuple(class_ids), dtype=np.int64))
    if add is not None:
        mask |= add
    if remove is not None:
        mask &= ~remove
    return mask


__all__ = ["class_order", "painted_latent_mask", "pixel_preserve_mask", "resolve_classes"]
