"""Training data: image + label pairs, random crops and flips."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from selgan.errors import SelganError


def camvid_pairs(root: str | Path, split: str) -> list[tuple[Path, Path]]:
    """(image, label) paths of a CamVid-layout split: {split}/ and {split}annot/ with the same names."""
    images_dir, labels_dir = Path(root) / split, Path(root) / f"{split}annot"
    if not images_dir.is_dir():
        raise SelganError(f"{images_dir}: no such folder (expected a CamVid layout with {split}/ and {split}annot/)")
    pairs = []
    for image in sorted(images_dir.glob("*.png")):
        label = labels_dir / image.name
        if not label.is_file():
            raise SelganError(f"{image}: no label file {label}")
        pairs.append((image, label))
    if not pairs:
        raise SelganError(f"{images_dir}: no .png images")
    return pairs


class PairDataset(Dataset):
    """Images and labels held in memory (CamVid fits easily), cropped and flipped at random."""

    def __init__(
        self,
        pairs: list[tuple[Path, Path]],
        crop: int | None,
        flip: bool,
        scale_range: tuple[float, float] | None = None,
        pad_label: int = 0,
    ) -> None:
        self.images, self.labels = [], []
        for image_path, label_path in pairs:
            image = np.asarray(Image.open(image_path).convert("RGB"))
            labels = np.asarray(Image.open(label_path), dtype=np.uint8)
            if image.shape[:2] != labels.shape:
                raise SelganError(f"{label_path}: label size {labels.shape[::-1]} differs from image {image.shape[1::-1]}")
            self.images.append(image)
            self.labels.append(labels)
        self.crop, self.flip, self.scale_range, self.pad_label = crop, flip, scale_range, pad_label

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, labels = self.images[index], self.labels[index]
        if self.scale_range:
            image, labels = _rescale(image, labels, np.random.uniform(*self.scale_range))
        if self.crop:
            image, labels = _pad_to(image, labels, self.crop, self.pad_label)
            top = np.random.randint(0, image.shape[0] - self.crop + 1)
            left = np.random.randint(0, image.shape[1] - self.crop + 1)
            image = image[top : top + self.crop, left : left + self.crop]
            labels = labels[top : top + self.crop, left : left + self.crop]
        if self.flip and np.random.rand() < 0.5:
            image, labels = image[:, ::-1], labels[:, ::-1]
        x = torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 255
        return x, torch.from_numpy(np.array(labels)).long()


def _rescale(image: np.ndarray, labels: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear for the image, nearest for labels (ids must never be blended)."""
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    image = np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))
    labels = np.asarray(Image.fromarray(labels).resize(size, Image.NEAREST))
    return image, labels


def _pad_to(image: np.ndarray, labels: np.ndarray, side: int, pad_label: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad up to side×side when a rescaled frame is smaller than the crop (labels get pad_label)."""
    pad_h, pad_w = max(0, side - image.shape[0]), max(0, side - image.shape[1])
    if not (pad_h or pad_w):
        return image, labels
    image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")
    labels = np.pad(labels, ((0, pad_h), (0, pad_w)), constant_values=pad_label)
    return image, labels
