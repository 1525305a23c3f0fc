"""torchvision's segmentation models (DeepLabV3, LR-ASPP, FCN) as segmenters in the VOC vocabulary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from selgan.errors import ModelNotFoundError, SelganError
from selgan.imageio import ImageLike, load_rgb
from selgan.labels.vocab import get_vocabulary
from selgan.segment.segmap import SegMap

ARCHITECTURES = {
    "deeplabv3_resnet50": "DeepLabV3_ResNet50_Weights",
    "deeplabv3_resnet101": "DeepLabV3_ResNet101_Weights",
    "deeplabv3_mobilenet_v3_large": "DeepLabV3_MobileNet_V3_Large_Weights",
    "lraspp_mobilenet_v3_large": "LRASPP_MobileNet_V3_Large_Weights",
    "fcn_resnet50": "FCN_ResNet50_Weights",
    "fcn_resnet101": "FCN_ResNet101_Weights",
}
INFERENCE_SIDE = 520  # torchvision's preset resizes the shorter side to 520
_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def normalize(x: torch.Tensor) -> torch.Tensor:
    """N,3,H,W in [0,1] -> torchvision's ImageNet statistics."""
    return (x - _MEAN.to(x.device)) / _STD.to(x.device)


class TorchvisionSegmenter:
    """A torchvision segmentation model; weights from a file you name, torchvision's cache, or its download."""

    def __init__(self, arch: str, weights: str | Path | None = None) -> None:
        import torchvision.models.segmentation as tvseg

        if arch not in ARCHITECTURES:
            raise SelganError(f"unknown torchvision architecture {arch!r}; choose from {', '.join(ARCHITECTURES)}")
        self.arch = arch
        self.vocab = get_vocabulary("voc")
        builder = getattr(tvseg, arch)
        self.network = builder(weights=None, weights_backbone=None, num_classes=self.vocab.num_classes, aux_loss=False)
        state = _read_state(arch, weights)
        state = {k: v for k, v in state.items() if not k.startswith("aux_classifier.")}
        try:
            self.network.load_state_dict(state)
        except RuntimeError as exc:
            raise ModelNotFoundError(f"weights do not fit {arch}: {str(exc).splitlines()[0]}") from None
        self.network.eval()

    @torch.no_grad()
    def segment(self, image: ImageLike) -> SegMap:
        """Label every pixel in VOC classes (use .to_vocabulary('camvid') to drive a CamVid codec)."""
        rgb = load_rgb(image)
        height, width = rgb.shape[:2]
        x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255
        scale = INFERENCE_SIDE / min(height, width)
        x = F.interpolate(x, size=(round(height * scale), round(width * scale)), mode="bilinear", align_corners=False)
        logits = self.network(normalize(x))["out"]
        logits = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
        return SegMap(logits.argmax(1)[0].numpy().astype(np.int64), self.vocab)


def cached_weights_path(arch: str) -> Path:
    """Where torchvision keeps this architecture's default weights once downloaded."""
    import torchvision.models.segmentation as tvseg

    weights = getattr(tvseg, ARCHITECTURES[arch]).DEFAULT
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name


def _read_state(arch: str, weights: str | Path | None) -> dict:
    if weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise ModelNotFoundError(f"{path}: no such weights file for {arch}")
        return _load(path)
    cached = cached_weights_path(arch)
    if cached.is_file():
        return _load(cached)
    import torchvision.models.segmentation as tvseg

    try:  # torchvision's own loader: downloads into its cache when online
        return getattr(tvseg, ARCHITECTURES[arch]).DEFAULT.get_state_dict(progress=True, check_hash=True)
    except Exception as exc:  # network failures come in many types; the user needs one message
        raise ModelNotFoundError(
            f"torchvision weights for {arch} are not in {cached} and could not be downloaded "
            f"({exc.__class__.__name__}); "
            "put the file there or pass weights=PATH"
        ) from None


def _load(path: Path) -> dict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle and zip errors vary; the file is simply not usable
        raise ModelNotFoundError(f"{path}: not a readable torch weights file ({exc.__class__.__name__})") from None
    return state.get("model", state) if isinstance(state, dict) else state
