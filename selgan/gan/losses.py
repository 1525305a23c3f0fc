"""GAN objectives (least squares by default), feature matching and masked distortion."""

from __future__ import annotations

import torch
import torch.nn.functional as F

Outputs = list[list[torch.Tensor]]  # [scale][layer], logits last
# (number of scales, weight) of each discriminator whose outputs are concatenated in Outputs, in order;
# None = one discriminator of weight 1 (DiscriminatorSet judges with several).
Groups = tuple[tuple[int, float], ...] | None


def _grouped(outputs: Outputs, groups: Groups):
    """(weight, that discriminator's scales) for each group; the counts must cover outputs exactly."""
    groups = groups or ((len(outputs), 1.0),)
    if sum(count for count, _ in groups) != len(outputs):
        raise ValueError(f"discriminator groups {groups} do not cover its {len(outputs)} outputs")
    start = 0
    for count, weight in groups:
        yield weight, outputs[start : start + count]
        start += count


def _lsgan_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return 0.5 * (((real - 1) ** 2).mean() + (fake**2).mean())


def _lsgan_g(fake: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((fake - 1) ** 2).mean()


def _hinge_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def _hinge_g(fake: torch.Tensor) -> torch.Tensor:
    return -fake.mean()


def _ns_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def _ns_g(fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-fake).mean()


GAN_LOSSES = {"lsgan": (_lsgan_d, _lsgan_g), "hinge": (_hinge_d, _hinge_g), "nonsaturating": (_ns_d, _ns_g)}


def discriminator_loss(kind: str, real: Outputs, fake: Outputs, groups: Groups = None) -> torch.Tensor:
    """Mean over scales of the discriminator objective on the logits; with groups, their weighted sum."""
    d_loss = GAN_LOSSES[kind][0]
    return sum(
        weight * sum(d_loss(r[-1], f[-1]) for r, f in zip(real_group, fake_group)) / len(real_group)
        for (weight, real_group), (_, fake_group) in zip(_grouped(real, groups), _grouped(fake, groups))
    )


def generator_adversarial_loss(kind: str, fake: Outputs, groups: Groups = None) -> torch.Tensor:
    """Mean over scales of the generator objective on the logits; with groups, their weighted sum."""
    g_loss = GAN_LOSSES[kind][1]
    return sum(weight * sum(g_loss(f[-1]) for f in group) / len(group) for weight, group in _grouped(fake, groups))


def feature_matching_loss(real: Outputs, fake: Outputs, groups: Groups = None) -> torch.Tensor:
    """L1 between the discriminator's intermediate features of real and fake (pix2pixHD): the mean over
    layers of each discriminator, weighted by its group's weight."""
    total = 0.0
    for (weight, real_group), (_, fake_group) in zip(_grouped(real, groups), _grouped(fake, groups)):
        pairs = [
            (r, f)
            for real_scale, fake_scale in zip(real_group, fake_group)
            for r, f in zip(real_scale[:-1], fake_scale[:-1])
        ]
        if pairs:
            total = total + weight * sum(F.l1_loss(f, r.detach()) for r, f in pairs) / len(pairs)
    return total


def distortion_loss(
    x_hat: torch.Tensor, x: torch.Tensor, weight: torch.Tensor | None, kind: str = "mse"
) -> torch.Tensor:
    """Per-pixel MSE or L1 weighted by `weight` (N,1,H,W; e.g. 1 preserved, 0 synthesised), mean over pixels."""
    error = (x_hat - x) ** 2 if kind == "mse" else (x_hat - x).abs()
    if weight is None:
        return error.mean()
    return (error * weight).mean()
