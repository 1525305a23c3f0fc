"""Differentiable augmentation for the discriminator's inputs (DiffAugment, Zhao et al. 2020).

CamVid has 367 training frames: a discriminator sees them all within minutes and starts memorising.
Augmenting what it sees, real and generated alike and with gradients flowing to the generator,
keeps its feedback about content. Real and fake get the *same* draw, so feature matching still
compares aligned features.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")


class DiffAugment:
    """Colour (brightness, saturation, contrast), translation (1/8 of the side) and cutout (1/2 side)."""

    def __init__(self, policy: tuple[str, ...] = POLICIES) -> None:
        unknown = sorted(set(policy) - set(POLICIES))
        if unknown:
            raise ValueError(f"unknown augmentation(s) {', '.join(unknown)}; known: {', '.join(POLICIES)}")
        self.policy = tuple(policy)

    def __call__(
        self, images: list[torch.Tensor], maps: list[torch.Tensor]
    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """images: N,3,H,W in [0,1] (coloured, moved, cut); maps: N,C,H,W (e.g. one-hot labels; moved only)."""
        n, _, h, w = images[0].shape
        device = images[0].device
        if "color" in self.policy:
            brightness = torch.rand(n, 1, 1, 1, device=device) - 0.5
            saturation = torch.rand(n, 1, 1, 1, device=device) * 2
            contrast = torch.rand(n, 1, 1, 1, device=device) + 0.5
            images = [_color(x, brightness, saturation, contrast) for x in images]
        if "translation" in self.policy:
            shift = torch.stack(
                [torch.randint(-(h // 8), h // 8 + 1, (n,)), torch.randint(-(w // 8), w // 8 + 1, (n,))], 1
            )
            images = [_translate(x, shift) for x in images]
            maps = [_translate(m, shift) for m in maps]
        if "cutout" in self.policy:
            keep = _cutout_mask(n, h, w, device)
            images = [x * keep.to(x.dtype) for x in images]
        return images, maps


def _color(x: torch.Tensor, brightness: torch.Tensor, saturation: torch.Tensor, contrast: torch.Tensor) -> torch.Tensor:
    x = x + brightness
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * saturation + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * contrast + mean


def _translate(x: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Shift each sample by (dy, dx) pixels, filling with zeros (a gather: exact and differentiable)."""
    n, _, h, w = x.shape
    dy, dx = shift[:, 0].to(x.device).view(n, 1, 1), shift[:, 1].to(x.device).view(n, 1, 1)
    rows = torch.arange(h, device=x.device).view(1, h, 1) - dy  # N,H,1
    cols = torch.arange(w, device=x.device).view(1, 1, w) - dx  # N,1,W
    valid = ((rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)).unsqueeze(1)
    padded = F.pad(x, (1, 1, 1, 1))  # index 0 / h+1 read zeros
    rows = (rows.clamp(-1, h) + 1).expand(n, h, w)
    cols = (cols.clamp(-1, w) + 1).expand(n, h, w)
    index = (rows * (w + 2) + cols).view(n, 1, h * w).expand(n, x.shape[1], h * w)
    out = padded.flatten(2).gather(2, index).view_as(x)
    return out * valid.to(x.dtype)


def _cutout_mask(n: int, h: int, w: int, device: torch.device) -> torch.Tensor:
    """N,1,H,W: zero inside one random box of half the side per sample."""
    ch, cw = h // 2, w // 2
    top = torch.randint(0, h - ch + 1, (n, 1, 1), device=device)
    left = torch.randint(0, w - cw + 1, (n, 1, 1), device=device)
    rows = torch.arange(h, device=device).view(1, h, 1)
    cols = torch.arange(w, device=device).view(1, 1, w)
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return (~inside).float().unsqueeze(1)
