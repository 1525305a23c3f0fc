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

    def __init__(self, pairs: list[tuple[Path, Path]], crop: int | None, flip: bool) -> None:
        self.images, self.labels = [], []
        for image_path, label_path in pairs:
            image = np.asarray(Image.open(image_path).convert("RGB"))
            labels = np.asarray(Image.open(label_path), dtype=np.uint8)
            if image.shape[:2] != labels.shape:
                raise SelganError(f"{label_path}: label size {labels.shape[::-1]} differs from image {image.shape[1::-1]}")
            self.images.append(image)
            self.labels.append(labels)
        self.crop, self.flip = crop, flip

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, labels = self.images[index], self.labels[index]
        if self.crop:
            top = np.random.randint(0, image.shape[0] - self.crop + 1)
            left = np.random.randint(0, image.shape[1] - self.crop + 1)
            image = image[top : top + self.crop, left : left + self.crop]
            labels = labels[top : top + self.crop, left : left + self.crop]
        if self.flip and np.random.rand() < 0.5:
            image, labels = image[:, ::-1], labels[:, ::-1]
        x = torch.from_numpy(np.array(image)).permute(2, 0, 1).float() / 255
        return x, torch.from_numpy(np.array(labels)).long()
