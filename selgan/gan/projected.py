"""Projected multi-scale discriminator (Sauer et al., "Projected GANs Converge Faster", NeurIPS 2021).

A frozen ImageNet network (selgan.backbones.FeaturePyramid) sees the image; fixed random 1×1
projections mix its channels and a fixed random top-down path mixes its scales, so every feature
reaches the small trainable heads, one per scale. Each head is conditioned on the label map
(one-hot classes at its resolution, concatenated) and returns patch logits, with its
intermediate features first for feature matching: output[scale][layer], logits last.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from selgan.backbones import FeaturePyramid
from selgan.gan.discriminator import LayerStack
from selgan.labels.resample import resize_one_hot


class RandomProjection(nn.Module):
    """Fixed random cross-channel (1×1) and cross-scale (top-down, 3×3) mixing; never trained."""

    def __init__(self, in_channels: tuple[int, ...], width: int, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.out_channels = tuple(width * 2**i for i in range(len(in_channels)))
        self.channel_mix = nn.ModuleList(nn.Conv2d(c, o, 1) for c, o in zip(in_channels, self.out_channels))
        # Top-down: a coarser level, mapped to the finer one's width, is added before a 3×3 mix.
        self.lateral = nn.ModuleList(
            nn.Conv2d(self.out_channels[i + 1], self.out_channels[i], 1) for i in range(len(in_channels) - 1)
        )
        self.scale_mix = nn.ModuleList(nn.Conv2d(o, o, 3, padding=1) for o in self.out_channels)
        for conv in self.modules():
            if isinstance(conv, nn.Conv2d):
                bound = (3.0 / (conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1])) ** 0.5
                with torch.no_grad():
                    conv.weight.copy_((torch.rand(conv.weight.shape, generator=generator) * 2 - 1) * bound)
                    conv.bias.zero_()
        self.requires_grad_(False)

    def forward(self, levels: list[torch.Tensor]) -> list[torch.Tensor]:
        mixed = [mix(f) for mix, f in zip(self.channel_mix, levels)]
        out = [self.scale_mix[-1](mixed[-1])]
        for i in range(len(mixed) - 2, -1, -1):
            coarser = F.interpolate(
                self.lateral[i](out[0]), size=mixed[i].shape[-2:], mode="bilinear", align_corners=False
            )
            out.insert(0, self.scale_mix[i](mixed[i] + coarser))
        return out


class ProjectedHead(LayerStack):
    """Strided 4×4 convs (spectral norm, LeakyReLU) down to stride 32 of the image, then 1×1 logits."""

    def __init__(self, in_channels: int, downsamples: int, width: int) -> None:
        super().__init__()
        layers, channels = [], in_channels
        for i in range(downsamples):
            out = min(width * 2**i, 4 * width)
            layers.append(
                nn.Sequential(spectral_norm(nn.Conv2d(channels, out, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True))
            )
            channels = out
        layers.append(
            nn.Sequential(spectral_norm(nn.Conv2d(channels, channels, 3, 1, 1)), nn.LeakyReLU(0.2, inplace=True))
        )
        layers.append(spectral_norm(nn.Conv2d(channels, 1, 1)))
        self.layers = nn.ModuleList(layers)


class ProjectedDiscriminator(nn.Module):
    """Frozen features -> random projections -> per-scale conditional heads.

    `embed(image)` runs the frozen part (its output can be reused for real images and, detached, for
    the discriminator step); calling the module runs the trainable heads on an embedding.
    """

    def __init__(
        self,
        features: FeaturePyramid,
        num_classes: int,
        projection_width: int = 32,
        head_width: int = 64,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.features = features
        self.projection = RandomProjection(features.channels, projection_width, seed)
        count = len(features.channels)
        self.heads = nn.ModuleList(
            ProjectedHead(c + num_classes, count - 1 - i, head_width)
            for i, c in enumerate(self.projection.out_channels)
        )

    def train(self, mode: bool = True) -> ProjectedDiscriminator:
        super().train(mode)
        self.features.eval()
        return self

    @property
    def embedded_levels(self) -> int:
        """How many maps embed() returns: one per head."""
        return len(self.heads)

    @property
    def groups(self) -> tuple[tuple[int, float], ...]:
        """One discriminator: all its heads, weight 1 (see gan.losses.Groups)."""
        return ((len(self.heads), 1.0),)

    def embed(self, image: torch.Tensor) -> list[torch.Tensor]:
        """N,3,H,W in [0,1] -> projected feature maps at strides 4, 8, 16, 32 (frozen; gradients reach the image)."""
        return self.projection(self.features(image))

    def forward(self, embedded: list[torch.Tensor], labels_one_hot: torch.Tensor) -> list[list[torch.Tensor]]:
        outputs = []
        for head, level in zip(self.heads, embedded):
            labels = resize_one_hot(labels_one_hot, level.shape[-2:]).to(level.dtype)
            outputs.append(head(torch.cat([level, labels], dim=1)))
        return outputs
