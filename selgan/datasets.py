"""Dataset readers: (image, label file) pairs from Cityscapes, CamVid or plain-folder layouts.

Shared by training, evaluation and the command line; reading pixels and augmenting are their business.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from selgan.errors import SelganError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
Pair = tuple[Path, Path | None]


def camvid_pairs(root: str | Path, split: str) -> list[Pair]:
    """CamVid layout: {split}/X.png with labels {split}annot/X.png."""
    images_dir = _folder(Path(root) / split, f"a CamVid layout with {split}/ and {split}annot/")
    labels_dir = Path(root) / f"{split}annot"
    return _pair_by_name(_images_in(images_dir), lambda image: labels_dir / image.name)


def cityscapes_pairs(root: str | Path, split: str) -> list[Pair]:
    """Cityscapes layout: leftImg8bit/{split}/{city}/X_leftImg8bit.png with gtFine/{split}/{city}/X_gtFine_labelIds.png."""
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


LAYOUTS = {"camvid": camvid_pairs, "cityscapes": cityscapes_pairs, "folder": folder_pairs}


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
                    raise SelganError(f"{label}: label map is {b.size[0]}×{b.size[1]} but {image.name} is {a.size[0]}×{a.size[1]}")
        except (UnidentifiedImageError, OSError) as exc:
            raise SelganError(f"{image} or {label}: not a readable image ({exc.__class__.__name__})") from None
