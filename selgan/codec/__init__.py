"""The codec: encoder, quantiser, generator and the SelectiveCodec model."""
from selgan.codec.model import LATENT_STRIDE, SelectiveCodec
from selgan.config import CodecConfig
from selgan.segment.vocab import get_vocabulary


def build_codec(cfg: CodecConfig) -> SelectiveCodec:
    """Config -> model (the only place a CodecConfig is unpacked)."""
    return SelectiveCodec(
        vocab=get_vocabulary(cfg.vocabulary),
        latent_channels=cfg.latent_channels,
        num_centers=cfg.num_centers,
        encoder_widths=tuple(cfg.encoder_widths),
        generator_width=cfg.generator_width,
        generator_blocks=cfg.generator_blocks,
        upsample_widths=tuple(cfg.upsample_widths),
        noise_channels=cfg.noise_channels,
        label_downsample=cfg.label_downsample,
    )


__all__ = ["LATENT_STRIDE", "SelectiveCodec", "build_codec"]
