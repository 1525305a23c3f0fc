"""Semantic generator: spatially-adaptive normalisation from the label map (SPADE, Park et al. 2019).

The label map and the preserve mask modulate every normalisation (scale and shift per pixel and
channel) instead of being concatenated once per stage, so class identity reaches every layer; noise
enters at each stage (StyleGAN-style, per-channel learned strength) so synthesised texture varies.
The label map is stored at 1/8, so modulations for the finer stages are computed at 1/8 and upsampled
bilinearly: same information, a fraction of the cost where the image is largest.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from selgan.labels.resample import resize_one_hot


def _channel_normalize(x: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    """Parameter-free per-pixel normalisation over channels: independent of batch, tile and image size."""
    mean = x.mean(dim=1, keepdim=True)
    var = x.var(dim=1, keepdim=True, unbiased=False)
    return (x - mean) * torch.rsqrt(var + eps)


class SPADE(nn.Module):
    """x -> norm(x) * (1 + gamma(cond)) + beta(cond); cond is a hidden map of the label map at any resolution."""

    def __init__(self, channels: int, hidden: int) -> None:
        super().__init__()
        # 1×1: the shared hidden map already has a 3×3 view of the labels, and this runs at every norm.
        self.to_gamma_beta = nn.Conv2d(hidden, 2 * channels, 1)
        nn.init.zeros_(self.to_gamma_beta.weight)  # starts as plain normalisation
        nn.init.zeros_(self.to_gamma_beta.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.to_gamma_beta(cond).chunk(2, dim=1)
        if gamma.shape[-2:] != x.shape[-2:]:
            gamma = F.interpolate(gamma, size=x.shape[-2:], mode="bilinear", align_corners=False)
            beta = F.interpolate(beta, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return _channel_normalize(x) * (1 + gamma) + beta


class SPADEResBlock(nn.Module):
    """Pre-activation residual block with SPADE before each convolution."""

    def __init__(self, channels: int, hidden: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = SPADE(channels, hidden), SPADE(channels, hidden)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, padding_mode="reflect")
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, padding_mode="reflect")

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.leaky_relu(self.norm1(x, cond), 0.2))
        return x + self.conv2(F.leaky_relu(self.norm2(h, cond), 0.2))


class NoiseInjection(nn.Module):
    """Adds one noise map scaled per channel; the scales start at zero (StyleGAN)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return x + self.scale * noise


class SPADEUpStage(nn.Module):
    """Nearest x2, conv, SPADE, noise, activation."""

    def __init__(self, in_channels: int, out_channels: int, hidden: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, padding_mode="reflect")
        self.norm = SPADE(out_channels, hidden)
        self.noise = NoiseInjection(out_channels)

    def forward(self, x: torch.Tensor, cond: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        x = self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return F.leaky_relu(self.noise(self.norm(x, cond), noise), 0.2)


class SemanticGenerator(nn.Module):
    """SPADE residual blocks at 1/16, four SPADE upsampling stages with noise, RGB out in [-1, 1].

    Same call as Generator: (z_hat, latent_mask, labels_one_hot, noises) with noises shaped by noise_shapes().
    """

    def __init__(
        self,
        latent_channels: int,
        num_classes: int,
        width: int,
        num_blocks: int,
        upsample_widths: tuple[int, ...],
        noise_channels: int,
        hidden: int = 64,
    ) -> None:
        super().__init__()
        self.noise_channels = noise_channels
        cond_channels = num_classes + 1  # one-hot labels and the preserve mask
        # Input layout [latent C | mask 1 | labels K | noise Z], as Generator's (train/widen.py relies on it).
        self.head = nn.Sequential(
            nn.Conv2d(latent_channels + 1 + num_classes + noise_channels, width, 3, padding=1, padding_mode="reflect"),
        )
        self.cond16 = nn.Sequential(nn.Conv2d(cond_channels, hidden, 3, padding=1), nn.ReLU(inplace=True))
        self.cond8 = nn.Sequential(nn.Conv2d(cond_channels, hidden, 3, padding=1), nn.ReLU(inplace=True))
        self.blocks = nn.ModuleList(SPADEResBlock(width, hidden) for _ in range(num_blocks))
        channels = [width, *upsample_widths]
        self.ups = nn.ModuleList(SPADEUpStage(a, b, hidden) for a, b in zip(channels[:-1], channels[1:]))
        self.tail = nn.Conv2d(channels[-1], 3, 3, padding=1, padding_mode="reflect")

    def noise_shapes(self) -> list[tuple[int, int]]:
        """(channels, resolution factor over the latent grid) of each noise input: the head's, then one per stage."""
        return [(self.noise_channels, 1)] + [(1, 2 ** (i + 1)) for i in range(len(self.ups))]

    def forward(
        self, z_hat: torch.Tensor, latent_mask: torch.Tensor, labels_one_hot: torch.Tensor, noises: list[torch.Tensor]
    ) -> torch.Tensor:
        # z_hat: N,C,h,w; latent_mask: N,1,h,w; labels_one_hot: N,K,H/8,W/8;
        # noises[0]: N,Z,h,w, noises[i]: N,1,h·2^i,w·2^i
        labels16 = resize_one_hot(labels_one_hot, z_hat.shape[-2:])
        mask8 = F.interpolate(latent_mask, size=labels_one_hot.shape[-2:], mode="nearest")
        cond16 = self.cond16(torch.cat([labels16, latent_mask], dim=1))
        cond8 = self.cond8(torch.cat([labels_one_hot, mask8], dim=1))
        x = self.head(torch.cat([z_hat * latent_mask, latent_mask, labels16, noises[0]], dim=1))
        for block in self.blocks:
            x = block(x, cond16)
        for up, noise in zip(self.ups, noises[1:]):
            x = up(x, cond8, noise)
        return torch.tanh(self.tail(x))  # N,3,H,W
