"""Generator G: masked latent + label map (+ noise) -> image."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from selgan.codec.layers import ChannelNorm, ResidualBlock
from selgan.labels.resample import resize_one_hot


class UpStage(nn.Module):
    """Nearest x2 upsampling, then a conv that sees the label map at the new scale."""

    def __init__(self, in_channels: int, out_channels: int, num_classes: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels + num_classes, out_channels, 3, padding=1, padding_mode="reflect")
        self.norm = ChannelNorm(out_channels)

    def forward(self, x: torch.Tensor, labels_one_hot: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        labels = resize_one_hot(labels_one_hot, x.shape[-2:])
        return F.relu(self.norm(self.conv(torch.cat([x, labels], dim=1))), inplace=True)


class Generator(nn.Module):
    """Residual blocks at 1/16, four label-conditioned upsampling stages, RGB out in [-1, 1] (labels concatenated)."""

    def __init__(
        self,
        latent_channels: int,
        num_classes: int,
        width: int,
        num_blocks: int,
        upsample_widths: tuple[int, ...],
        noise_channels: int,
    ) -> None:
        super().__init__()
        self.noise_channels = noise_channels
        in_channels = latent_channels + 1 + num_classes + noise_channels
        self.head = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1, padding_mode="reflect"),
            ChannelNorm(width),
            nn.ReLU(inplace=True),
        )
        self.blocks = nn.Sequential(*[ResidualBlock(width) for _ in range(num_blocks)])
        channels = [width, *upsample_widths]
        self.ups = nn.ModuleList(UpStage(a, b, num_classes) for a, b in zip(channels[:-1], channels[1:]))
        self.tail = nn.Conv2d(channels[-1], 3, 3, padding=1, padding_mode="reflect")

    def noise_shapes(self) -> list[tuple[int, int]]:
        """(channels, resolution factor over the latent grid) of each noise input: one, at the latent's."""
        return [(self.noise_channels, 1)]

    def forward(
        self, z_hat: torch.Tensor, latent_mask: torch.Tensor, labels_one_hot: torch.Tensor, noises: list[torch.Tensor]
    ) -> torch.Tensor:
        # z_hat: N,C,h,w; latent_mask: N,1,h,w; labels_one_hot: N,K,H/8,W/8; noises: [N,Z,h,w]
        labels16 = resize_one_hot(labels_one_hot, z_hat.shape[-2:])
        x = self.head(torch.cat([z_hat * latent_mask, latent_mask, labels16, noises[0]], dim=1))
        x = self.blocks(x)
        for up in self.ups:
            x = up(x, labels_one_hot)
        return torch.tanh(self.tail(x))  # N,3,H,W
