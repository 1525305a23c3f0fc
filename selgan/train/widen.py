"""Start a codec with more latent channels from a trained one, computing the same image at first.

Why: a C=8 model warm-started from a trained C=4 model reaches the C=4 quality at once and only has
to learn what the extra channels add, which on a CPU saves hours of autoencoder warm-up.
The new encoder outputs start from fresh weights; the generator reads them through zero weights, so
the first reconstruction is exactly the source model's; the entropy model starts them uniform.
"""

from __future__ import annotations

import torch

from selgan.codec import CodecNetwork
from selgan.errors import SelganError

# The only tensors whose shape depends on the number of latent channels.
_ENCODER_OUT = ("encoder.to_sixteenth.4.weight", "encoder.to_sixteenth.4.bias")
_GENERATOR_IN = "generator.head.0.weight"  # input layout: [latent C | mask 1 | labels K | noise Z]
_ENTROPY = ("latent_model.full_logits", "latent_model.neighbour_logits", "latent_model.class_logits")
_TABLES = "latent_model.freq_table"


def latent_channels_of(state: dict[str, torch.Tensor]) -> int:
    """Number of latent channels of a codec state dict."""
    return int(state[_ENCODER_OUT[1]].shape[0])


def head_noise_channels(state: dict[str, torch.Tensor], codec: CodecNetwork) -> int:
    """How many noise channels the generator's first layer of `state` reads, given `codec`'s other inputs."""
    target = codec.state_dict()[_GENERATOR_IN]
    return int(state[_GENERATOR_IN].shape[1] - target.shape[1] + codec.generator.noise_channels)


def drop_head_noise(state: dict[str, torch.Tensor], codec: CodecNetwork) -> dict[str, torch.Tensor]:
    """`state` for a codec whose generator reads fewer noise channels at the latent's resolution.

    Why: the noise entering at 1/16 of the image is what the generator turns into a periodic diagonal
    lattice on synthesised foliage (decoding with it set to zero removes the lattice; issue 30). Dropping
    its input weights gives the generator that input's zero, and training continues from there.
    """
    keep = codec.state_dict()[_GENERATOR_IN].shape[1]  # noise is the last input block: keep what comes before
    if state[_GENERATOR_IN].shape[1] < keep:
        raise SelganError("cannot add noise channels to a trained generator's first layer")
    return {**state, _GENERATOR_IN: state[_GENERATOR_IN][:, :keep].clone()}


def widen_latent(state: dict[str, torch.Tensor], codec: CodecNetwork) -> dict[str, torch.Tensor]:
    """`state` (a narrower codec's weights) mapped onto `codec`'s shapes, function-preserving."""
    target = codec.state_dict()
    old, new = latent_channels_of(state), latent_channels_of(target)
    if new < old:
        raise SelganError(f"cannot start a C={new} codec from a C={old} one (only widening is supported)")
    changed = set(_ENCODER_OUT) | {_GENERATOR_IN} | set(_ENTROPY)
    others = [
        k for k in target if k not in changed and k != _TABLES and (k not in state or state[k].shape != target[k].shape)
    ]
    if others:
        raise SelganError("the source codec differs in more than its latent channels: " + ", ".join(others[:5]))
    out = {k: v for k, v in state.items() if k != _TABLES}
    for key in _ENCODER_OUT + _ENTROPY:
        grown = target[key].clone()
        grown[:old] = state[key]
        out[key] = grown
    head = torch.zeros_like(target[_GENERATOR_IN])
    head[:, :old] = state[_GENERATOR_IN][:, :old]
    head[:, new:] = state[_GENERATOR_IN][:, old:]
    out[_GENERATOR_IN] = head
    out[_TABLES] = target[_TABLES][:0]  # frequency tables are refitted by export (update())
    return out
