"""The codec: encoder, quantiser, generator and the CodecNetwork model."""

from torch import nn

from selgan.codec.encoder import Encoder
from selgan.codec.generator import Generator
from selgan.codec.network import LATENT_STRIDE, CodecNetwork
from selgan.codec.quantizer import Quantizer
from selgan.codec.spade import SemanticGenerator
from selgan.config import CodecConfig
from selgan.entropy import LatentContextModel
from selgan.labels.vocab import get_vocabulary
from selgan.registry import Registry

# model.generator in a config: 'concat' (one-hot labels concatenated per stage; the first shipped models)
# or 'spade' (spatially-adaptive normalisation from the label map, per-stage noise).
GENERATORS: Registry[type[nn.Module]] = Registry("model.generator")
GENERATORS.register("concat")(Generator)
GENERATORS.register("spade")(SemanticGenerator)


def build_generator(
    kind: str,
    latent_channels: int,
    num_classes: int,
    width: int,
    blocks: int,
    upsample_widths: tuple[int, ...],
    noise_channels: int,
) -> nn.Module:
    """A generator by its config name."""
    return GENERATORS[kind](latent_channels, num_classes, width, blocks, upsample_widths, noise_channels)


def build_network(cfg: CodecConfig) -> CodecNetwork:
    """Config -> model (the only place a CodecConfig is unpacked)."""
    vocab = get_vocabulary(cfg.vocabulary)
    k = vocab.num_classes
    return CodecNetwork(
        vocab=vocab,
        encoder=Encoder(cfg.latent_channels, tuple(cfg.encoder_widths), k),
        quantizer=Quantizer(cfg.num_centers),
        generator=build_generator(
            cfg.generator,
            cfg.latent_channels,
            k,
            cfg.generator_width,
            cfg.generator_blocks,
            tuple(cfg.upsample_widths),
            cfg.noise_channels,
        ),
        latent_model=LatentContextModel(cfg.latent_channels, cfg.num_centers, k),
        label_downsample=cfg.label_downsample,
    )


__all__ = ["GENERATORS", "LATENT_STRIDE", "CodecNetwork", "build_network"]
