"""Adversarial training parts: the conditional multi-scale discriminator and the losses."""

from selgan.gan.discriminator import MultiScaleDiscriminator, PatchDiscriminator
from selgan.gan.losses import (
    GAN_LOSSES,
    discriminator_loss,
    distortion_loss,
    feature_matching_loss,
    generator_adversarial_loss,
)
from selgan.gan.perceptual import PerceptualLoss, build_perceptual_loss

__all__ = [
    "GAN_LOSSES",
    "MultiScaleDiscriminator",
    "PatchDiscriminator",
    "PerceptualLoss",
    "build_perceptual_loss",
    "discriminator_loss",
    "distortion_loss",
    "feature_matching_loss",
    "generator_adversarial_loss",
]
