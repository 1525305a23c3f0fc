"""Label-map resolution changes that coder and generator must agree on bit for bit, and one-hot maps of them."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def pad_to_shape(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Edge-pad the first two axes at the bottom/right up to shape (decoders crop back)."""
    pad_h, pad_w = shape[0] - array.shape[0], shape[1] - array.shape[1]
    widths = [(0, pad_h), (0, pad_w)] + [(0, 0)] * (array.ndim - 2)
    return np.pad(array, widths, mode="edge") if pad_h or pad_w else array


def downsample_labels(labels: torch.Tensor, factor: int, weights: torch.Tensor) -> torch.Tensor:
    """Weighted majority vote over factor×factor blocks: (N,H,W) -> (N,H/f,W/f).

    Votes are integer counts times integer weights, exact in float32 on any machine,
    and argmax takes the lowest id on ties, so encoder and decoder always agree.
    """
    one_hot = F.one_hot(labels, weights.numel()).permute(0, 3, 1, 2).float()
    votes = F.avg_pool2d(one_hot, factor, divisor_override=1) * weights.view(1, -1, 1, 1).float()
    return votes.argmax(dim=1)


def downsample_labels_np(labels: np.ndarray, factor: int, weights: np.ndarray) -> np.ndarray:
    """downsample_labels for one (H,W) numpy map."""
    with torch.no_grad():
        out = downsample_labels(torch.from_numpy(labels).long()[None], factor, torch.from_numpy(weights))
    return out[0].numpy()


def one_hot_labels(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(N,H,W) integer labels -> (N,K,H,W) float one-hot."""
    return F.one_hot(labels, num_classes).permute(0, 3, 1, 2).float()


def resize_one_hot(one_hot: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Class shares at another resolution: area average down, nearest up."""
    if one_hot.shape[-2] >= size[0]:
        return F.adaptive_avg_pool2d(one_hot, size)
    return F.interpolate(one_hot, size=size, mode="nearest")
