"""Perceptual loss (LPIPS-style) over a frozen ImageNet network: EfficientNet-Lite offline, VGG16 when cached."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from selgan.errors import SelganError

PERCEPTUAL_NETWORKS = ("efficientnet", "vgg", "auto", "none")


class PerceptualLoss(nn.Module):
    """Distance between unit-normalised feature maps of x_hat and x (N,3,H,W in [0,1]), per pixel weighted.

    At each level: squared difference of channel-normalised features, summed over channels (as LPIPS,
    without its learned per-channel weights, which exist only for AlexNet/VGG/SqueezeNet), times the
    weight map resized to that level, averaged over pixels; the mean over levels is returned.
    """

    def __init__(self, features: nn.Module, name: str) -> None:
        super().__init__()
        self.features = features  # image in [0,1] -> list of feature maps; frozen, eval mode
        self.name = name
        self.features.requires_grad_(False)

    def train(self, mode: bool = True) -> PerceptualLoss:
        return super().train(False)  # the feature network stays in eval mode (BatchNorm statistics frozen)

    def forward(self, x_hat: torch.Tensor, x: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        with torch.no_grad():
            targets = self.features(x)
        total = 0.0
        for f, t in zip(self.features(x_hat), targets):
            distance = (_unit(f.float()) - _unit(t.float())).pow(2).sum(dim=1, keepdim=True)  # N,1,h,w
            if weight is not None:
                distance = distance * F.adaptive_avg_pool2d(weight, distance.shape[-2:])
            total = total + distance.mean()
        return total / len(targets)


def _unit(f: torch.Tensor) -> torch.Tensor:
    return f / (f.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-6)


def vgg_weights_path() -> Path:
    """Where torchvision caches VGG16's ImageNet weights (present for users who have downloaded them)."""
    from torchvision.models import VGG16_Weights

    return Path(torch.hub.get_dir()) / "checkpoints" / Path(VGG16_Weights.IMAGENET1K_V1.url).name


class VGGFeatures(nn.Module):
    """VGG16 relu1_2, relu2_2, relu3_3, relu4_3 of images in [0,1]."""

    TAPS = (3, 8, 15, 22)

    def __init__(self, path: Path) -> None:
        super().__init__()
        from torchvision.models import vgg16

        net = vgg16(weights=None)
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        self.body = net.features[:23]
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1), persistent=False)
        self.eval()

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out, h = [], (x - self.mean) / self.std
        for i, layer in enumerate(self.body):
            h = layer(h)
            if i in self.TAPS:
                out.append(h)
        return out


def build_perceptual_loss(kind: str, efficientnet: nn.Module | None = None) -> PerceptualLoss | None:
    """kind: 'efficientnet' (offline wheel), 'vgg' (torchvision's cache), 'auto' (VGG if cached, else
    EfficientNet) or 'none'. `efficientnet` reuses an already built FeaturePyramid (e.g. the discriminator's)."""
    if kind not in PERCEPTUAL_NETWORKS:
        raise SelganError(f"unknown loss.perceptual {kind!r}; choose from {', '.join(PERCEPTUAL_NETWORKS)}")
    if kind == "none":
        return None
    if kind == "vgg" or (kind == "auto" and vgg_weights_path().is_file()):
        if not vgg_weights_path().is_file():
            raise SelganError(
                f"loss.perceptual=vgg: VGG16 weights not found at {vgg_weights_path()} "
                "(download them once with torchvision, or use efficientnet)"
            )
        return PerceptualLoss(VGGFeatures(vgg_weights_path()), "vgg16")
    if efficientnet is None:
        from selgan.backbones import FeaturePyramid

        efficientnet = FeaturePyramid()
    return PerceptualLoss(efficientnet, "efficientnet_lite0")
