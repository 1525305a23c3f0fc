"""Training data: the pairs of selgan.datasets read, rescaled, cropped, flipped and colour-augmented."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from selgan.datasets import Pair, check_sizes
from selgan.degrade import CONDITIONS, degrade
from selgan.errors import SelganError
from selgan.labels.vocab import LabelMapping
from selgan.train.photometric import camera_degradations, colour_jitter


class PairDataset(Dataset):
    """Loads pairs from disk; random rescale, crop, flip, colour (photometric strength), simulated night, dusk
    or rain (conditions, on condition_share of the crops) and camera degradations (degrade) drawn from
    (seed, epoch, index), so runs repeat exactly.

    label_mapping maps label-file ids into the model's vocabulary; a segmenter labels pairs without label files.
    """

    def __init__(
        self,
        pairs: list[Pair],
        crop: int | None,
        flip: bool,
        scale_range: tuple[float, float] | None = None,
        pad_label: int = 0,
        label_mapping: LabelMapping | None = None,
        segmenter=None,
        seed: int = 0,
        photometric: float = 0.0,
        degrade: bool = False,
        conditions: tuple[str, ...] = (),
        condition_share: float = 0.0,
    ) -> None:
        if any(label is None for _, label in pairs) and segmenter is None:
            raise SelganError("some images have no label file: configure a segmenter to label them")
        check_sizes(pairs)
        self.pairs = pairs
        self.crop, self.flip, self.scale_range, self.pad_label = crop, flip, scale_range, pad_label
        self.label_mapping, self.segmenter, self.seed = label_mapping, segmenter, seed
        self.photometric, self.degrade = photometric, degrade
        unknown = [c for c in conditions if c not in CONDITIONS]
        if unknown:
            raise SelganError(f"unknown conditions {unknown}: choose from {', '.join(CONDITIONS)}")
        if not 0 <= condition_share <= 1:
            raise SelganError(f"condition_share must lie in 0–1, not {condition_share}")
        self.conditions, self.condition_share = tuple(conditions), condition_share
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Augmentations depend on the epoch (call before iterating, like DistributedSampler)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.pairs)

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The full-size uint8 image and int labels (in the model's vocabulary) of one pair."""
        image_path, label_path = self.pairs[index]
        image = np.array(Image.open(image_path).convert("RGB"))
        if label_path is None:
            labels = self.segmenter.segment(image).labels
        else:
            labels = np.array(Image.open(label_path), dtype=np.int64)
        if self.label_mapping is not None:
            labels = self.label_mapping(labels)
        return image, labels.astype(np.uint8)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, labels = self.load(index)
        rng = np.random.default_rng([self.seed, self.epoch, index])
        if self.scale_range:
            image, labels = _rescale(image, labels, rng.uniform(*self.scale_range))
        if self.crop:
            image, labels = _pad_to(image, labels, self.crop, self.pad_label)
            top = rng.integers(0, image.shape[0] - self.crop + 1)
            left = rng.integers(0, image.shape[1] - self.crop + 1)
            image = image[top : top + self.crop, left : left + self.crop]
            labels = labels[top : top + self.crop, left : left + self.crop]
        if self.flip and rng.random() < 0.5:
            image, labels = image[:, ::-1], labels[:, ::-1]
        if self.photometric:
            image = colour_jitter(np.ascontiguousarray(image), rng, self.photometric)
        if self.conditions and rng.random() < self.condition_share:
            image = degrade(np.ascontiguousarray(image), self.conditions[rng.integers(len(self.conditions))], rng)
        if self.degrade:
            image = camera_degradations(np.ascontiguousarray(image), rng)
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / 255
        return x, torch.from_numpy(np.ascontiguousarray(labels)).long()


def _rescale(image: np.ndarray, labels: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear for the image, nearest for labels (ids must never be blended)."""
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    image = np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))
    labels = np.asarray(Image.fromarray(labels).resize(size, Image.NEAREST))
    return image, labels


def _pad_to(image: np.ndarray, labels: np.ndarray, side: int, pad_label: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad up to side×side when a frame is smaller than the crop (labels get pad_label, e.g. the ignore id)."""
    pad_h, pad_w = max(0, side - image.shape[0]), max(0, side - image.shape[1])
    if not (pad_h or pad_w):
        return image, labels
    image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")
    labels = np.pad(labels, ((0, pad_h), (0, pad_w)), constant_values=pad_label)
    return image, labels
