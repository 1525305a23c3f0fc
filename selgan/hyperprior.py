"""The learned MSE baseline: CompressAI's scale hyperprior (Ballé et al., ICLR 2018) at several rate points.

A reader of generative-compression results asks how much of an advantage comes from the GAN and how much
from learned coding itself; this is the second reference beside the classical codecs. The networks and the
entropy coder are CompressAI's own (`compress()`/`decompress()` strings); this module adds the weights file
(one safetensors file holding every rate point) and a small byte format so file sizes are real:

    b"SGH1" | rate point (1 byte) | height, width (2 bytes each, big-endian) | length of the z string
    (2 bytes) | z string | y string

Images are padded (edge replicate) to a multiple of 64, the model's downsampling factor, and cropped back.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import torch

from selgan.errors import BitstreamError
from selgan.labels.resample import pad_to_shape
from selgan.tensorfile import read_tagged

FORMAT = "selgan-hyperprior"
MAGIC = b"SGH1"
_HEADER = struct.Struct(">4sBHHH")
FACTOR = 64  # 2**(4 + 2): four analysis and two hyper-analysis strides


def build(n: int, m: int) -> torch.nn.Module:
    """An untrained scale hyperprior with N, M channels (CompressAI's `bmshj2018-hyperprior` uses 128, 192)."""
    from compressai.models import ScaleHyperprior  # imported here: only eval and its training need it

    return ScaleHyperprior(n, m)


class Hyperprior:
    """Rate points of one trained family, lowest rate first: encode(rgb, point) -> bytes, decode(bytes) -> rgb."""

    def __init__(self, models: list[torch.nn.Module], lambdas: list[float]) -> None:
        self.models = [model.eval() for model in models]
        self.lambdas = lambdas

    @torch.no_grad()
    def encode(self, rgb: np.ndarray, point: int) -> bytes:
        """uint8 H×W×3 -> bytes, at rate point `point` (0 = lowest rate)."""
        height, width = rgb.shape[:2]
        if not (0 <= point < len(self.models)) or height >= 2**16 or width >= 2**16:
            raise ValueError(f"rate point {point} or size {width}×{height} out of range")
        padded = pad_to_shape(rgb, (height + -height % FACTOR, width + -width % FACTOR))
        x = torch.from_numpy(np.ascontiguousarray(padded)).permute(2, 0, 1)[None].float() / 255
        out = self.models[point].compress(x)
        (y_string,), (z_string,) = out["strings"]
        return _HEADER.pack(MAGIC, point, height, width, len(z_string)) + z_string + y_string

    @torch.no_grad()
    def decode(self, data: bytes) -> np.ndarray:
        """bytes from encode -> uint8 H×W×3; BitstreamError on anything malformed."""
        if len(data) < _HEADER.size:
            raise BitstreamError("not a hyperprior file (too short)")
        magic, point, height, width, z_len = _HEADER.unpack_from(data)
        if magic != MAGIC or point >= len(self.models) or not height or not width or _HEADER.size + z_len > len(data):
            raise BitstreamError("not a hyperprior file of these weights")
        z_string = data[_HEADER.size : _HEADER.size + z_len]
        y_string = data[_HEADER.size + z_len :]
        shape = (-(-height // FACTOR), -(-width // FACTOR))
        try:
            x_hat = self.models[point].decompress([[y_string], [z_string]], shape)["x_hat"]
        except Exception as exc:  # CompressAI's range decoder reports malformed input in several types
            raise BitstreamError(f"a hyperprior string is malformed ({exc.__class__.__name__})") from None
        image = (x_hat[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
        return np.ascontiguousarray(image[:height, :width])


def save(models: list[torch.nn.Module], lambdas: list[float], n: int, m: int, path: str | Path) -> None:
    """One safetensors file for every rate point (fp16 parameters; buffers such as the coders' tables as they are).

    The weights are rounded to fp16 before update() builds the tables, so the file decodes what it encodes."""
    from safetensors.torch import save_file

    tensors = {}
    for index, model in enumerate(models):
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())
        model.update(force=True)
        params = {name for name, _ in model.named_parameters()}
        for key, value in model.state_dict().items():  # buffers (scale table, CDFs) stay exact
            tensors[f"point{index}.{key}"] = value.half() if key in params else value.contiguous()
    metadata = {"format": FORMAT, "n": str(n), "m": str(m), "lambdas": json.dumps(lambdas)}
    save_file(tensors, str(path), metadata=metadata)


def load(path: str | Path) -> Hyperprior:
    """A Hyperprior from a file written by save()."""
    tensors, metadata = read_tagged(path, FORMAT)
    lambdas = json.loads(metadata["lambdas"])
    models = []
    for index in range(len(lambdas)):
        prefix = f"point{index}."
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        model = build(int(metadata["n"]), int(metadata["m"]))
        model.load_state_dict(state)  # CompressAI resizes its CDF buffers to the stored ones
        models.append(model)
    return Hyperprior(models, lambdas)
