"""Encoder E: image -> latent at 1/16 resolution with C channels."""

from __future__ import annotations

import torch
from torch import nn

from selgan.codec.layers import ChannelNorm, ResidualBlock
from selgan.labels.resample import resize_one_hot


class Encoder(nn.Module):
    """Four stride-2 stages; the label map joins at 1/8 because the decoder has it for free."""

    def __init__(self, latent_channels: int, widths: tuple[int, ...], num_classes: int) -> None:
        super().__init__()
        w0, w1, w2, w3 = widths
        self.to_eighth = nn.Sequential(
            nn.Conv2d(3, w0, 5, stride=2, padding=2, padding_mode="reflect"),
            nn.ReLU(inplace=True),
            nn.Conv2d(w0, w1, 3, stride=2, padding=1, padding_mode="reflect"),
            nn.ReLU(inplace=True),
            nn.Conv2d(w1, w2, 3, stride=2, padding=1, padding_mode="reflect"),
            nn.ReLU(inplace=True),
        )
        self.to_sixteenth = nn.Sequential(
            nn.Conv2d(w2 + num_classes, w3, 3, stride=2, padding=1, padding_mode="reflect"),
            ChannelNorm(w3),
            nn.ReLU(inplace=True),
            ResidualBlock(w3),
            nn.Conv2d(w3, latent_channels, 3, padding=1, padding_mode="reflect"),
        )

    def forward(self, x: torch.Tensor, labels_one_hot: torch.Tensor) -> torch.Tensor:
        # x: N,3,H,W in [-1,1]; labels_one_hot: N,K,H/8,W/8 -> N,C,H/16,W/16
        feats = self.to_eighth(x)
        labels = resize_one_hot(labels_one_hot, feats.shape[-2:])
        return self.to_sixteenth(torch.cat([feats, labels], dim=1))
