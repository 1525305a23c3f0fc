"""The built-in segmenter: StreetSegNet trained here on CamVid, shipped as safetensors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from selgan.tensorfile import read_tagged
from selgan.imageio import ImageLike, load_rgb
from selgan.segment.network import StreetSegNet, normalize
from selgan.segment.segmap import SegMap
from selgan.segment.vocab import Vocabulary, get_vocabulary

FORMAT = "selgan-segmenter-1"
# CamVid frames are 360 high: larger inputs are segmented at that scale (objects then have the
# sizes the network learned) and the logits are upsampled back.
WORKING_HEIGHT = 360


class BuiltinSegmenter:
    """Predicts the vocabulary's classes except the ignore id (which the network never outputs)."""

    def __init__(self, network: StreetSegNet, vocab: Vocabulary) -> None:
        self.network = network.eval()
        self.vocab = vocab

    @torch.no_grad()
    def segment(self, image: ImageLike) -> SegMap:
        """Label every pixel; the image is padded to a multiple of 16 and cropped back."""
        return SegMap(self.predict(load_rgb(image)), self.vocab)

    @torch.no_grad()
    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """uint8 H×W×3 -> int64 H×W."""
        height, width = rgb.shape[:2]
        x = torch.from_numpy(np.array(rgb)).permute(2, 0, 1)[None].float() / 255
        if height > WORKING_HEIGHT * 4 // 3:
            size = (WORKING_HEIGHT, max(1, round(width * WORKING_HEIGHT / height)))
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
        h, w = x.shape[-2:]
        x = F.pad(x, (0, -w % 16, 0, -h % 16), mode="replicate")
        logits = self.network(normalize(x))[..., :h, :w]
        if (h, w) != (height, width):
            logits = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
        return logits.argmax(1)[0].numpy().astype(np.int64)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Encoder features of N,3,H,W images in [0,1] (a frozen perceptual network for training)."""
        return self.network.features(normalize(x))


def save_segmenter(network: StreetSegNet, config: dict, vocab_name: str, path: str | Path) -> None:
    """Weights in fp16 (BatchNorm statistics stay fp32) plus config metadata."""
    tensors = {k: (v.half() if v.is_floating_point() and "running" not in k else v).contiguous()
               for k, v in network.state_dict().items()}
    save_file(tensors, str(path), metadata={"format": FORMAT, "config": json.dumps(config), "vocabulary": vocab_name})


def load_segmenter(path: str | Path) -> BuiltinSegmenter:
    """Read a file written by save_segmenter."""
    tensors, metadata = read_tagged(path, FORMAT)
    config = json.loads(metadata["config"])
    network = StreetSegNet(config["num_classes"], tuple(config["widths"]), config["decoder_width"])
    network.load_state_dict(tensors)
    return BuiltinSegmenter(network, get_vocabulary(metadata["vocabulary"]))
