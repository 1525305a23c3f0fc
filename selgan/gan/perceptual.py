"""Perceptual loss over any frozen feature network (VGG when its weights are local, else our segmenter)."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

FeatureFn = Callable[[torch.Tensor], list[torch.Tensor]]


class PerceptualLoss(nn.Module):
    """Mean L1 distance between normalised feature maps of x_hat and x (both N,3,H,W in [0,1])."""

    def __init__(self, features: FeatureFn, modules: list[nn.Module], name: str) -> None:
        super().__init__()
        self.features = features
        self.frozen = nn.ModuleList(modules)
        self.name = name
        for p in self.frozen.parameters():
            p.requires_grad_(False)
        self.frozen.eval()

    def train(self, mode: bool = True) -> "PerceptualLoss":
        return super().train(False)  # the feature network stays in eval mode (BatchNorm statistics frozen)

    def forward(self, x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            targets = self.features(x)
        total = 0.0
        for f, t in zip(self.features(x_hat), targets):
            total = total + F.l1_loss(_unit(f), _unit(t))
        return total / len(targets)


def _unit(f: torch.Tensor) -> torch.Tensor:
    return f / (f.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-6)


def vgg_weights_path() -> Path:
    """Where torchvision caches VGG16's ImageNet weights."""
    from torchvision.models import VGG16_Weights

    return Path(torch.hub.get_dir()) / "checkpoints" / Path(VGG16_Weights.IMAGENET1K_V1.url).name


def _vgg_features(path: Path) -> PerceptualLoss:
    from torchvision.models import vgg16

    net = vgg16(weights=None)
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    body = net.features[:23]  # up to relu4_3
    taps = {3, 8, 15, 22}
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def features(x: torch.Tensor) -> list[torch.Tensor]:
        out, h = [], (x - mean.to(x)) / std.to(x)
        for i, layer in enumerate(body):
            h = layer(h)
            if i in taps:
                out.append(h)
        return out

    return PerceptualLoss(features, [body], "vgg16")


def build_perceptual_loss(kind: str, segmenter_name: str | None = None) -> PerceptualLoss | None:
    """kind: 'vgg', 'segmenter', 'auto' (VGG if local, else the segmenter) or 'none'. None with a warning when unavailable."""
    if kind == "none":
        return None
    if kind in ("vgg", "auto") and vgg_weights_path().is_file():
        return _vgg_features(vgg_weights_path())
    if kind == "vgg":
        warnings.warn(f"perceptual loss off: VGG16 weights not found at {vgg_weights_path()}", stacklevel=2)
        return None
    from selgan.errors import ModelNotFoundError
    from selgan.segment import DEFAULT_SEGMENTER, get_segmenter

    try:
        segmenter = get_segmenter("builtin", name=segmenter_name or DEFAULT_SEGMENTER)
    except ModelNotFoundError as exc:
        warnings.warn(f"perceptual loss off: no VGG16 weights and no segmenter ({exc})", stacklevel=2)
        return None
    return PerceptualLoss(segmenter.features, [segmenter.network], "segmenter")
