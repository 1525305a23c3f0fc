"""The built-in segmenter: a smp decoder over an ImageNet EfficientNet-Lite encoder, trained here, shipped as
safetensors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn

from selgan.errors import SelganError
from selgan.imageio import ImageLike, load_rgb
from selgan.labels.vocab import Vocabulary, get_vocabulary
from selgan.segment.segmap import SegMap
from selgan.segment.smp_net import SegNetConfig, build_segnet, normalize
from selgan.tensorfile import read_tagged

FORMAT = "selgan-segmenter-2"
# Every image is segmented at this height and the scores resized back. The network was trained on 360-high
# CamVid frames at 0.5–2× scale; at 480 (1.33×) small and thin classes come out better, on CamVid val and on
# another camera (the Cityscapes sample), than at the image's own height (figures in the card).
# Small images are enlarged at most MAX_ENLARGE times, so a tiny input stays cheap.
WORKING_HEIGHT = 480
MAX_ENLARGE = 2.0
STRIDE = 32  # smp's encoders need sides divisible by 32


class BuiltinSegmenter:
    """Predicts the vocabulary's classes except the ignore id (which the network never outputs).

    class_bias is added to the network's per-class scores: the network was trained with class-weighted
    cross-entropy, which inflates the scores of rare classes by about log(weight); subtracting part of that
    ("post-hoc logit adjustment", Menon et al., ICLR 2021) trades a few false poles and signs for accuracy.
    temperature divides the scores before the softmax: fitted on held-apart frames so that the confidence is
    calibrated (selgan.segment.calibration); it never changes a label."""

    def __init__(
        self,
        network: nn.Module,
        vocab: Vocabulary,
        working_height: int = WORKING_HEIGHT,
        class_bias: torch.Tensor | None = None,
        temperature: float = 1.0,
    ) -> None:
        if not temperature > 0:
            raise SelganError(f"a segmenter's temperature must be positive, not {temperature}")
        self.network = network.eval()
        self.vocab = vocab
        self.working_height = working_height
        self.class_bias = class_bias
        self.temperature = float(temperature)

    @torch.no_grad()
    def segment(self, image: ImageLike) -> SegMap:
        """Label every pixel; SegMap.confidence holds the winning class's probability per pixel."""
        labels, confidence = self.predict_with_confidence(load_rgb(image))
        return SegMap(labels, self.vocab, confidence)

    @torch.no_grad()
    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """uint8 H×W×3 -> int64 H×W."""
        return self.predict_with_confidence(rgb)[0]

    @torch.no_grad()
    def predict_with_confidence(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """uint8 H×W×3 -> (int64 labels H×W, float32 probability of that label H×W)."""
        probs = self.probabilities(rgb)
        confidence, labels = probs.max(dim=0)
        return labels.numpy().astype(np.int64), confidence.numpy().astype(np.float32)

    @torch.no_grad()
    def probabilities(self, rgb: np.ndarray) -> torch.Tensor:
        """uint8 H×W×3 -> K×H×W calibrated class probabilities at the image's size."""
        return (self.logits(rgb) / self.temperature).softmax(dim=0)

    @torch.no_grad()
    def logits(self, rgb: np.ndarray) -> torch.Tensor:
        """uint8 H×W×3 -> K×H×W class scores at the image's size (class bias added, before the temperature)."""
        height, width = rgb.shape[:2]
        x = torch.from_numpy(np.array(rgb)).permute(2, 0, 1)[None].float() / 255
        scale = min(self.working_height / height, MAX_ENLARGE)
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        if size != (height, width):
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=scale < 1)
        h, w = x.shape[-2:]
        x = F.pad(x, (0, -w % STRIDE, 0, -h % STRIDE), mode="replicate")
        logits = self.network(normalize(x))[..., :h, :w]
        if self.class_bias is not None:
            logits = logits + self.class_bias.to(logits.dtype).view(1, -1, 1, 1)
        if (h, w) != (height, width):
            logits = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
        return logits[0]


def save_segmenter(
    network: nn.Module,
    config: SegNetConfig,
    vocab_name: str,
    path: str | Path,
    working_height: int = WORKING_HEIGHT,
    class_bias: torch.Tensor | None = None,
    temperature: float = 1.0,
) -> None:
    """Weights in fp16 (BatchNorm statistics stay fp32) plus the network's config (class bias, temperature) as
    metadata."""
    tensors = {
        k: (v.half() if v.is_floating_point() and "running" not in k else v).contiguous()
        for k, v in network.state_dict().items()
    }
    metadata = {
        "format": FORMAT,
        "config": json.dumps(config.to_json_dict()),
        "vocabulary": vocab_name,
        "working_height": str(working_height),
    }
    if class_bias is not None:
        if class_bias.shape != (config.num_classes,):
            raise SelganError(f"a class bias needs {config.num_classes} values, not {tuple(class_bias.shape)}")
        metadata["class_bias"] = json.dumps([float(v) for v in class_bias])
    if temperature != 1.0:
        metadata["temperature"] = repr(float(temperature))
    save_file(tensors, str(path), metadata=metadata)


def segmenter_config(path: str | Path) -> SegNetConfig:
    """The network shape a file written by save_segmenter holds."""
    return SegNetConfig(**json.loads(read_tagged(path, FORMAT)[1]["config"]))


def load_segmenter(path: str | Path) -> BuiltinSegmenter:
    """Read a file written by save_segmenter."""
    tensors, metadata = read_tagged(path, FORMAT)
    network = build_segnet(SegNetConfig(**json.loads(metadata["config"])))
    network.load_state_dict(tensors)
    # Files written before the class bias or the temperature existed have none: scores are used as they are.
    bias = metadata.get("class_bias")
    return BuiltinSegmenter(
        network,
        get_vocabulary(metadata["vocabulary"]),
        int(metadata["working_height"]),
        None if bias is None else torch.tensor(json.loads(bias), dtype=torch.float32),
        float(metadata.get("temperature", 1.0)),
    )
