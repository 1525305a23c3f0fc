"""Frozen ImageNet feature networks shared by the discriminator, the perceptual loss and the segmenter."""

from selgan.backbones.efficientnet_lite import (
    EFFICIENTNET_LITE,
    FeaturePyramid,
    efficientnet_lite_state_dict,
    load_efficientnet_lite,
)

__all__ = ["EFFICIENTNET_LITE", "FeaturePyramid", "efficientnet_lite_state_dict", "load_efficientnet_lite"]
