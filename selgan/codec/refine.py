"""Encode harder: fit one photo's latent to the frozen decoder before it is entropy-coded (issue 31).

The encoder is amortised: one pass guesses a latent for any photo, and for a camera it never saw the guess is
not the latent the decoder needs. Here the continuous latent of *this* photo is optimised through the frozen
generator, with the file's own noise and label map, for the training loss's distortion terms (MSE and the
16× low-frequency term, on the coded pixels) plus the rate the frozen context model assigns; the quantiser's
straight-through gradient keeps every step on the hard symbols a file stores (Campos et al. 2019; Yang, Bamler
& Mandt 2020 for the amortisation gap). Nothing a decoder reads changes: the result is symbols like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from selgan.errors import ImageError
from selgan.hardware import native_bf16
from selgan.labels.resample import one_hot_labels

LOWFREQ = 16  # the low-frequency term's area average, as in training (loss.lowfreq_factor)
# The training preset's weights of the terms (configs/camvid_sc_c8.yaml: distortion 150, lowfreq 600); the
# rate enters as a budget instead of a weight (see refine_symbols).
DISTORTION_WEIGHT, LOWFREQ_WEIGHT = 150.0, 600.0
# Backpropagating through the generator holds its activations: about 2.5 GB per megapixel.
MAX_PIXELS = 4_200_000
# The rate enters as a wall: past the encoder's own estimate the loss rises steeply (the file's size is what the
# user compared against, or their budget). A pull towards fewer bits below it bought nothing measurable
# (aachen_000000 at 1024×512: 26.53 dB at 1564 B with it, 26.54 at 1628 B without).
OVER_BUDGET_WEIGHT = 10.0


@dataclass(frozen=True)
class Effort:
    """How hard compress works on one photo's latent: `steps` Adam steps of `lr` through the generator."""

    name: str
    steps: int
    lr: float = 0.03
    about: str = ""


EFFORTS = {
    effort.name: effort
    for effort in (
        Effort("fast", 0, about="one encoder pass (the default)"),
        Effort("better", 8, 0.08, about="8 steps through the generator"),
        Effort("best", 20, 0.05, about="20 steps through the generator"),
    )
}
FAST = EFFORTS["fast"]


def effort_named(name: str | Effort) -> Effort:
    """An Effort from its name; ImageError names the valid ones."""
    if isinstance(name, Effort):
        return name
    if name not in EFFORTS:
        raise ImageError(f"effort must be one of {', '.join(EFFORTS)}, not {name!r}")
    return EFFORTS[name]


Progress = Callable[[int, int, float], None]  # (step done, steps, seconds so far)


def refine_symbols(
    network,
    image: np.ndarray,
    stored_labels: np.ndarray,
    coded: np.ndarray,
    seed: int,
    effort: Effort,
    progress: Progress | None = None,
) -> np.ndarray:
    """The C×h×w symbols that bring `image` back best through `network`'s frozen generator, coding `coded`.

    image: the padded uint8 H×W×3 photo; stored_labels: the label map the file stores; coded: h×w bool, the
    latent cells the file codes (selective files refine their preserved cells only); seed: the file's noise.
    The estimated bits never exceed the encoder's own symbols' (the file keeps its size within the context
    model's estimate), and the iterate with the lowest distortion is kept, so refining never does worse than
    the encoder on the objective.
    """
    height, width = image.shape[:2]
    if height * width > MAX_PIXELS:
        raise ImageError(
            f"effort {effort.name!r} fits the latent through the generator, which holds about 2.5 GB per megapixel:"
            f" {width}×{height} is over its {MAX_PIXELS / 1e6:.1f} MP limit; use effort='fast' or a smaller image"
        )
    quantizer, generator = network.quantizer, network.generator
    x = torch.from_numpy(np.require(image, requirements=("C", "W"))).permute(2, 0, 1)[None].float() / 255
    one_hot = one_hot_labels(torch.from_numpy(stored_labels)[None], network.vocab.num_classes)
    coded_t = torch.from_numpy(coded)[None]
    mask = coded_t[:, None].float()
    classes = torch.from_numpy(network.latent_classes(stored_labels))[None]
    noises = network.draw_noise(1, coded.shape, generator=torch.Generator().manual_seed(seed))
    # The loss sees the pixels the file codes; in global mode all of them.
    pixels = torch.from_numpy(network.cells_to_pixels(coded, height, width))[None, None].float()
    pooled = F.avg_pool2d(pixels, LOWFREQ)
    absent = quantizer.centers[0]  # what a decoder puts where no symbol is coded (CodecNetwork.decompress)

    # The steps' generator passes in bf16 where the CPU computes it natively (1.6× faster at 1024×512 on a 2-core
    # EPYC, the same gain); the symbols come from the fp32 latent, and decoders run as always.
    fast_bf16 = native_bf16(torch.device("cpu"))
    with torch.no_grad():
        z0 = network.encoder(x * 2 - 1, one_hot)
    z = z0.clone().requires_grad_(True)
    optimiser = torch.optim.Adam([z], lr=effort.lr)
    requires = [p.requires_grad for p in network.parameters()]
    network.requires_grad_(False)
    start = time.perf_counter()
    best, best_loss, budget = None, float("inf"), None
    try:
        for step in range(effort.steps + 1):
            z_hat, symbols, soft = quantizer(z)
            z_in = torch.where(coded_t[:, None], z_hat, absent)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=fast_bf16):
                x_hat = (generator(z_in, mask, one_hot, noises).float() + 1) / 2
            error = ((x_hat - x) ** 2 * pixels).sum() / (3 * pixels.sum()).clamp(min=1)
            low = (F.avg_pool2d(x_hat, LOWFREQ) - F.avg_pool2d(x, LOWFREQ)) ** 2
            lowfreq = (low * pooled).sum() / (3 * pooled.sum()).clamp(min=1e-6)
            distortion = DISTORTION_WEIGHT * error + LOWFREQ_WEIGHT * lowfreq
            bits = network.latent_model.bits(symbols, soft, coded_t, classes)
            estimate, score = bits.item(), distortion.item()
            if budget is None:
                budget = estimate  # the encoder's own symbols: the size refining must not exceed
            if estimate <= budget and score < best_loss:
                best, best_loss = symbols[0].detach().clone(), score
            if step == effort.steps:
                break
            loss = distortion + OVER_BUDGET_WEIGHT * torch.relu(bits / max(budget, 1.0) - 1)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            if progress is not None:
                progress(step + 1, effort.steps, time.perf_counter() - start)
    finally:
        for parameter, flag in zip(network.parameters(), requires):
            parameter.requires_grad_(flag)
    return best.numpy()
