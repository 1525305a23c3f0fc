"""Label maps that users already have, read from PNG files (the 'file' segmenter backend)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from selgan.errors import ImageError
from selgan.imageio import ImageLike
from selgan.labels.vocab import Vocabulary
from selgan.segment.segmap import SegMap


def read_label_png(path: str | Path, vocab: Vocabulary, size: tuple[int, int] | None = None) -> np.ndarray:
    """A label PNG -> int64 H×W ids, checking ids and (w, h) size.

    Single-channel and palette PNGs hold ids directly; RGB PNGs are read through the vocabulary's colours.
    """
    try:
        with Image.open(path) as img:
            img.load()
    except (FileNotFoundError, IsADirectoryError):
        raise ImageError(f"{path}: no such label file") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(f"{path}: not a readable label image ({exc.__class__.__name__})") from None
    if img.mode in ("L", "P", "I", "I;16"):
        labels = np.asarray(img, dtype=np.int64)
    elif img.mode in ("RGB", "RGBA"):
        labels = _colors_to_ids(np.asarray(img.convert("RGB")), vocab, str(path))
    else:
        raise ImageError(f"{path}: label maps must be single-channel, palette or RGB PNGs, got mode {img.mode}")
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
    if not np.issubdtype(labels.dtype, np.integer):
        raise ImageError(f"{source}: label ids must be integers, got {labels.dtype}")
    bad = np.unique(labels[(labels < 0) | (labels >= vocab.num_classes)])
    if bad.size:
        raise ImageError(
            f"{source}: label ids {bad[:10].tolist()} are not in the {vocab.name} vocabulary "
            f"(0–{vocab.num_classes - 1})"
        )
    return labels.astype(np.int64)


def _colors_to_ids(rgb: np.ndarray, vocab: Vocabulary, source: str) -> np.ndarray:
    codes = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    palette = vocab.palette().astype(np.int64)
    palette_codes = (palette[:, 0] << 16) | (palette[:, 1] << 8) | palette[:, 2]
    lookup: dict[int, int] = {}
    for class_id, code in enumerate(palette_codes):
        lookup.setdefault(int(code), class_id)  # repeated colours: the first class wins
    unique, inverse = np.unique(codes, return_inverse=True)
    unknown = [u for u in unique.tolist() if u not in lookup]
    if unknown:
        shown = ", ".join(f"({u >> 16}, {(u >> 8) & 255}, {u & 255})" for u in unknown[:5])
        raise ImageError(f"{source}: colours {shown} are not in the {vocab.name} palette")
    return np.asarray([lookup[u] for u in unique.tolist()], dtype=np.int64)[inverse].reshape(codes.shape)


SEGMENT_SUFFIX = "_labels"  # `selgan segment` writes X_labels.png, so its output folder works as a label folder


def label_file_in(image: Path, label_dir: Path) -> Path:
    """The label file of an image in a folder of label PNGs (see label_path_for); SelganError naming both
    names it looked for when there is none."""
    candidate = label_path_for(image, label_dir)
    if not candidate.is_file():
        raise ImageError(f"{label_dir}: no label file {image.stem}.png or {image.stem}{SEGMENT_SUFFIX}.png for {image}")
    return candidate


def label_path_for(image: Path, label_dir: Path | None = None) -> Path:
    """Where the label file of an image is: label_dir/<stem>.png (or <stem>_labels.png, as `selgan segment`
    writes them), else Cityscapes or CamVid naming."""
    if label_dir is not None:
        plain, segmented = label_dir / f"{image.stem}.png", label_dir / f"{image.stem}{SEGMENT_SUFFIX}.png"
        return segmented if segmented.is_file() and not plain.is_file() else plain
    name = image.name
    if name.endswith("_leftImg8bit.png"):  # Cityscapes: leftImg8bit/<split>/<city>/X_leftImg8bit.png
        city, split = image.parent.name, image.parent.parent.name
        root = image.parent.parent.parent.parent
        return root / "gtFine" / split / city / name.replace("_leftImg8bit.png", "_gtFine_labelIds.png")
    return image.parent.parent / f"{image.parent.name}annot" / name  # CamVid: train/X.png -> trainannot/X.png


class LabelFileSegmenter:
    """'Segments' an image by reading the label file that belongs to it."""

    def __init__(self, vocab: Vocabulary, label_dir: str | Path | None = None) -> None:
        self.vocab = vocab
        self.label_dir = Path(label_dir) if label_dir is not None else None

    def segment(self, image: ImageLike) -> SegMap:
        """image must be a path, so its label file can be found."""
        if not isinstance(image, (str, os.PathLike)):
            raise ImageError("the file backend needs the image's path to find its label file")
        path = Path(image)
        try:
            with Image.open(path) as img:
                size = img.size
        except (FileNotFoundError, IsADirectoryError):
            raise ImageError(f"{path}: no such file") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise ImageError(f"{path}: not a readable image ({exc.__class__.__name__})") from None
        labels = read_label_png(label_path_for(path, self.label_dir), self.vocab, size)
        return SegMap(labels, self.vocab)
