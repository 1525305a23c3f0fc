"""Which latent cells a preserve set codes: the rule every coder and trainer shares.

class_latent_mask derives the coded cells from the stored label map alone (it costs no bits);
random_latent_masks draws the typical preserve masks selective codecs are trained on and whose
statistics the painted-mask coder is fitted to (Agustsson et al. 2019: random instances, random boxes).
"""

from __future__ import annotations

import numpy as np
import torch

from selgan.errors import ImageError


def class_latent_mask(labels_coarse: np.ndarray, class_ids: tuple[int, ...], ratio: int) -> np.ndarray:
    """Latent cell is preserved when any label cell it covers is a preserved class.

    labels_coarse is the stored label map; ratio = latent stride / label stride (e.g. 16/8 = 2).
    Derived from the decoded map alone, so it costs no bits.
    """
    hit = np.isin(labels_coarse, np.asarray(class_ids, dtype=np.int64))
    h, w = hit.shape[0] // ratio, hit.shape[1] // ratio
    return hit.reshape(h, ratio, w, ratio).any(axis=(1, 3))


def random_latent_masks(
    classes: torch.Tensor, ignore_id: int, p_full: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """(N,h,w) latent-resolution classes -> (N,1,h,w) {0,1} masks.

    With probability p_full the whole latent is kept (GC); otherwise half the time a random
    set of the classes present (about a quarter of the area, 'RI'), else a random box ('RB').
    """
    n, h, w = classes.shape
    masks = torch.ones(n, 1, h, w)
    for i in range(n):
        draw = torch.rand(2, generator=generator)
        if draw[0] < p_full:
            continue
        if draw[1] < 0.5:
            masks[i, 0] = _random_classes(classes[i], ignore_id, generator)
        else:
            masks[i, 0] = _random_box(h, w, generator)
    return masks


def _random_classes(classes: torch.Tensor, ignore_id: int, generator: torch.Generator | None) -> torch.Tensor:
    present = [c for c in classes.unique().tolist() if c != ignore_id]
    order = torch.randperm(len(present), generator=generator).tolist()
    mask = torch.zeros(classes.shape)
    for k in order:
        mask = torch.maximum(mask, (classes == present[k]).float())
        if mask.mean() >= 0.25:
            break
    return mask


def _random_box(h: int, w: int, generator: torch.Generator | None) -> torch.Tensor:
    box_h = int(torch.randint(max(1, h // 4), h + 1, (1,), generator=generator))
    box_w = int(torch.randint(max(1, w // 4), w + 1, (1,), generator=generator))
    top = int(torch.randint(0, h - box_h + 1, (1,), generator=generator))
    left = int(torch.randint(0, w - box_w + 1, (1,), generator=generator))
    mask = torch.zeros(h, w)
    mask[top : top + box_h, left : left + box_w] = 1
    return mask


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
