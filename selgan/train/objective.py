"""The codec's training objective: distortion, rate, perceptual, adversarial and feature-matching terms."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from selgan.gan.losses import Groups, distortion_loss, feature_matching_loss, generator_adversarial_loss
from selgan.gan.perceptual import PerceptualLoss


class CodecObjective(nn.Module):
    """Generator-side loss; returns {'loss', and every term by name} so the trainer can log them blindly."""

    def __init__(
        self,
        distortion: str,
        distortion_weight: float,
        synth_distortion_weight: float,
        msssim_weight: float,
        perceptual: PerceptualLoss | None,
        perceptual_weight: float,
        perceptual_synth_weight: float,
        lowfreq_weight: float,
        lowfreq_factor: int,
        gan: str,
        gan_weight: float,
        feature_matching_weight: float,
        rate_weight: float,
    ) -> None:
        super().__init__()
        self.distortion, self.distortion_weight = distortion, distortion_weight
        self.synth_distortion_weight, self.msssim_weight = synth_distortion_weight, msssim_weight
        self.perceptual, self.perceptual_weight = perceptual, perceptual_weight
        self.perceptual_synth_weight = perceptual_synth_weight
        self.lowfreq_weight, self.lowfreq_factor = lowfreq_weight, lowfreq_factor
        self.gan, self.gan_weight, self.feature_matching_weight = gan, gan_weight, feature_matching_weight
        self.rate_weight = rate_weight

    def forward(
        self,
        x: torch.Tensor,
        x_hat: torch.Tensor,
        latent_bits: torch.Tensor,
        pixel_mask: torch.Tensor,
        disc_fake: list | None = None,
        disc_real: list | None = None,
        disc_groups: Groups = None,
    ) -> dict[str, torch.Tensor]:
        """x, x_hat N,3,H,W in [0,1]; pixel_mask N,1,H,W (1 = preserved); disc_* given in the adversarial stage,
        disc_groups when several discriminators judge (gan.losses.Groups)."""
        weight = pixel_mask + self.synth_distortion_weight * (1 - pixel_mask)
        terms = {"distortion": distortion_loss(x_hat, x, weight, self.distortion)}
        terms["bpp_latent_est"] = latent_bits / (x.shape[0] * x.shape[-2] * x.shape[-1])
        loss = self.distortion_weight * terms["distortion"] + self.rate_weight * terms["bpp_latent_est"]
        if self.msssim_weight:
            from pytorch_msssim import ms_ssim

            terms["msssim"] = ms_ssim(x_hat.clamp(0, 1), x, data_range=1.0, size_average=True)
            loss = loss + self.msssim_weight * (1 - terms["msssim"])
        if self.lowfreq_weight:
            # The colour and brightness of each 16×16 block: what a person notices first, and cheap in bits.
            pooled = F.avg_pool2d(weight, self.lowfreq_factor)
            error = (F.avg_pool2d(x_hat, self.lowfreq_factor) - F.avg_pool2d(x, self.lowfreq_factor)) ** 2
            terms["lowfreq"] = (error * pooled).mean()
            loss = loss + self.lowfreq_weight * terms["lowfreq"]
        if self.perceptual is not None and self.perceptual_weight:
            # Full weight where content must match (preserved); synthesised regions get perceptual_synth_weight,
            # which keeps painted regions from speckle as in pix2pixHD/SPADE (0 = preserved regions only).
            perceptual_weight_map = pixel_mask + self.perceptual_synth_weight * (1 - pixel_mask)
            terms["perceptual"] = self.perceptual(x_hat, x, perceptual_weight_map)
            loss = loss + self.perceptual_weight * terms["perceptual"]
        if disc_fake is not None:
            terms["gan_g"] = generator_adversarial_loss(self.gan, disc_fake, disc_groups)
            terms["feature_matching"] = feature_matching_loss(disc_real, disc_fake, disc_groups)
            loss = loss + self.gan_weight * terms["gan_g"] + self.feature_matching_weight * terms["feature_matching"]
        terms["psnr"] = -10 * torch.log10(F.mse_loss(x_hat.detach().clamp(0, 1), x) + 1e-10)
        return {"loss": loss, **terms}
