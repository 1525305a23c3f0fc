"""Label maps that users already have, read from PNG files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from selgan.errors import ImageError
from selgan.segment.vocab import Vocabulary


def read_label_png(path: str | Path, vocab: Vocabulary, size: tuple[int, int] | None = None) -> np.ndarray:
    """Read a single-channel label PNG as an int64 H×W array, checking ids and (w, h) size."""
    try:
        with Image.open(path) as img:
            if img.mode not in ("L", "P", "I", "I;16"):
                raise ImageError(f"{path}: a label map must be a single-channel PNG, got mode {img.mode}")
            labels = np.asarray(img, dtype=np.int64)
    except (FileNotFoundError, IsADirectoryError):
        raise ImageError(f"{path}: no such label file") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(f"{path}: not a readable label image ({exc})") from None
    return check_labels(labels, vocab, size, source=str(path))


def check_labels(labels: np.ndarray, vocab: Vocabulary, size: tuple[int, int] | None, source: str) -> np.ndarray:
    """Validate a label array against a vocabulary and an expected (w, h) size."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ImageError(f"{source}: a label map must be 2-D, got shape {labels.shape}")
    if size is not None and (labels.shape[1], labels.shape[0]) != tuple(size):
        raise ImageError(
            f"{source}: label map is {labels.shape[1]}×{labels.shape[0]} but the image is {size[0]}×{size[1]}"
        )
    bad = np.unique(labels[(labels < 0) | (labels >= vocab.num_classes)])
    if bad.size:
        raise ImageError(
            f"{source}: label ids {bad[:10].tolist()} are not in the {vocab.name} vocabulary (0–{vocab.num_classes - 1})"
        )
    return labels.astype(np.int64)
