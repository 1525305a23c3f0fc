"""Dataset readers: (image, label file) pairs from Cityscapes, CamVid or plain-folder layouts.

Shared by training, evaluation and the command line; `read_frame` reads one evaluation frame the one way
both evaluations (codecs, segmenters) resize and map it; augmenting is training's business.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from selgan.errors import SelganError
from selgan.registry import Registry

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
Pair = tuple[Path, Path | None]


def data_root() -> Path:
    """Where datasets live: $SELGAN_DATA, else ../shared/data beside this source checkout (the documented dev setup)."""
    if os.environ.get("SELGAN_DATA"):
        return Path(os.environ["SELGAN_DATA"]).expanduser()
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def data_path(path: str | Path) -> Path:
    """A dataset path as configs and defaults write it: absolute, or relative to the working folder when it
    starts with ./ or ../ (as typed on a command line), else under data_root() ('camvid' -> $SELGAN_DATA/camvid)."""
    text = str(path)
    if Path(text).is_absolute() or text.startswith(("./", "../", "~")):
        return Path(text).expanduser()
    return data_root() / text


def camvid_pairs(root: str | Path, split: str) -> list[Pair]:
    """CamVid layout: {split}/X.png with labels {split}annot/X.png."""
    images_dir = _folder(Path(root) / split, f"a CamVid layout with {split}/ and {split}annot/")
    labels_dir = Path(root) / f"{split}annot"
    return _pair_by_name(_images_in(images_dir), lambda image: labels_dir / image.name)


def cityscapes_pairs(root: str | Path, split: str) -> list[Pair]:
    """Cityscapes layout: leftImg8bit/{split}/{city}/X_leftImg8bit.png with labels
    gtFine/{split}/{city}/X_gtFine_labelIds.png."""
    images_dir = _folder(Path(root) / "leftImg8bit" / split, "a Cityscapes layout with leftImg8bit/ and gtFine/")
    images = sorted(images_dir.glob("*/*_leftImg8bit.png"))
    if not images:
        raise SelganError(f"{images_dir}: no */*_leftImg8bit.png images")

    def label_of(image: Path) -> Path:
        name = image.name.replace("_leftImg8bit.png", "_gtFine_labelIds.png")
        return Path(root) / "gtFine" / split / image.parent.name / name

    return _pair_by_name(images, label_of)


def folder_pairs(root: str | Path, split: str = "") -> list[Pair]:
    """Plain folder: images/X.(png|jpg…) with labels/X.png (and a vocabulary.yaml beside them)."""
    base = Path(root) / split if split else Path(root)
    images_dir = _folder(base / "images", "a folder with images/ and labels/")
    return _pair_by_name(_images_in(images_dir), lambda image: base / "labels" / f"{image.stem}.png")


def unlabelled_pairs(root: str | Path, split: str = "") -> list[Pair]:
    """Photos without label files (labels come from a segmenter)."""
    base = Path(root) / split if split else Path(root)
    return [(image, None) for image in _images_in(_folder(base, "a folder of photos"))]


LAYOUTS: Registry = Registry("data layout")  # name -> pairs(root, split)
for _name, _reader in (("camvid", camvid_pairs), ("cityscapes", cityscapes_pairs), ("folder", folder_pairs)):
    LAYOUTS.register(_name)(_reader)


def read_frame(
    image_path: Path, label_path: Path | None, mapping, size: tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """An RGB frame and its label ids mapped into a vocabulary (`mapping`: ids -> ids), both resized to
    size=(width, height) when given (image bicubic, labels nearest); labels None without a label file."""
    image = Image.open(image_path).convert("RGB")
    labels = None if label_path is None else Image.open(label_path)
    if size:
        image = image.resize(size, Image.BICUBIC)
        labels = None if labels is None else labels.resize(size, Image.NEAREST)
    mapped = None if labels is None else mapping(np.asarray(labels).astype(np.int64))
    return np.asarray(image), mapped


def parse_size(value: str | None) -> tuple[int, int] | None:
    """'1024x512' -> (1024, 512); empty -> None; SelganError for anything else."""
    if not value:
        return None
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise SelganError(f"--size must look like 1024x512, got {value!r}") from None
    if width < 1 or height < 1:
        raise SelganError(f"--size must be positive, got {value!r}")
    return width, height


def _folder(path: Path, expected: str) -> Path:
    if not path.is_dir():
        raise SelganError(f"{path}: no such folder (expected {expected})")
    return path


def _images_in(folder: Path) -> list[Path]:
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise SelganError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)})")
    return images


def _pair_by_name(images: list[Path], label_of) -> list[Pair]:
    pairs = []
    for image in images:
        label = label_of(image)
        if not label.is_file():
            raise SelganError(f"{image}: no label file {label}")
        pairs.append((image, label))
    return pairs


def check_sizes(pairs: list[Pair]) -> None:
    """Image and label sizes agree (reads headers only); the first offending file is named."""
    for image, label in pairs:
        if label is None:
            continue
        try:
            with Image.open(image) as a, Image.open(label) as b:
                if a.size != b.size:
                    raise SelganError(
                        f"{label}: label map is {b.size[0]}×{b.size[1]} but {image.name} is {a.size[0]}×{a.size[1]}"
                    )
        except (UnidentifiedImageError, OSError) as exc:
            raise SelganError(f"{image} or {label}: not a readable image ({exc.__class__.__name__})") from None
