"""Multi-level scalar quantiser with fixed centres (Agustsson et al. 2017/2019)."""

from __future__ import annotations

import torch
from torch import nn


class Quantizer(nn.Module):
    """Hard nearest-centre forward, soft-assignment gradient backward."""

    def __init__(self, num_centers: int = 5, softness: float = 2.0) -> None:
        super().__init__()
        half = (num_centers - 1) / 2
        self.register_buffer("centers", torch.linspace(-half, half, num_centers), persistent=False)
        self.softness = softness

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (quantised values, integer symbols, soft assignment) for latent z (N,C,H,W)."""
        dist = (z.unsqueeze(-1) - self.centers) ** 2  # N,C,H,W,L
        soft = torch.softmax(-self.softness * dist, dim=-1)
        symbols = dist.argmin(dim=-1)
        hard = self.centers[symbols]
        z_soft = (soft * self.centers).sum(-1)
        # Straight-through: the value is the hard centre, the gradient is the soft one's.
        z_hat = z_soft + (hard - z_soft).detach()
        return z_hat, symbols, soft

    def dequantize(self, symbols: torch.Tensor) -> torch.Tensor:
        """Centre values for integer symbols."""
        return self.centers[symbols]
