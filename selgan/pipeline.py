"""The one pipeline every front end runs (the CLI, the app, the demo, `selgan eval`).

Load a codec once; compress an image by a preserve set or a byte budget; decode the file back exactly
as a receiver would (the model named in the file); measure it by region; find the best classical file
within the same bytes. Front ends only parse their input and present this module's results, so each of
these steps is defined here once (after detectron2's DefaultPredictor: a small object around a loaded
model, with everything else plain functions).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from selgan.api import Codec, codec_for, shared
from selgan.baselines import MatchedResult, best_within
from selgan.bitstream import Bitstream, Mode
from selgan.imageio import ImageLike, load_rgb
from selgan.metrics import psnr

CLASSICAL = ("webp", "avif")  # what "the best classical file within the same bytes" is chosen from by default
SCALES = (1, 2, 4)  # classical codecs are also tried on the image downscaled by these factors


@dataclass(frozen=True)
class Decoded:
    """A file decoded as a receiver decodes it: the picture, where it is faithful, and how long it took."""

    reconstruction: np.ndarray  # uint8 H×W×3, exactly selgan.decompress's pixels
    preserved: np.ndarray  # bool H×W: pixels coded from the photo (the rest was painted from the label map)
    seconds: float


@dataclass(frozen=True)
class Result:
    """One compression, decoded back."""

    bitstream: Bitstream
    data: bytes  # the .sgc file
    decoded: Decoded
    encode_s: float

    @property
    def reconstruction(self) -> np.ndarray:
        return self.decoded.reconstruction

    @property
    def preserved(self) -> np.ndarray:
        return self.decoded.preserved

    @property
    def num_bytes(self) -> int:
        return len(self.data)


class Pipeline:
    """A loaded codec and the steps around it. `Pipeline("camvid-sc-c8").run(photo, preserve="default")`."""

    def __init__(self, model: str | Codec | None = None) -> None:
        if isinstance(model, Codec):
            self.codec = model
        else:
            from selgan.zoo import default_codec

            self.codec = shared(model or default_codec())  # loaded once per process, shared by every pipeline

    def compress(self, image: ImageLike, **options) -> tuple[Bitstream, float]:
        """Codec.compress (preserve=, mask=, labels=, seed=, max_bytes=, target_bpp=, priority=) and its seconds."""
        start = time.perf_counter()
        bitstream = self.codec.compress(image, **options)
        return bitstream, time.perf_counter() - start

    def run(self, image: ImageLike, **options) -> Result:
        """Compress, serialise and decode back (the file's own model decodes it: a budget may pick a sibling)."""
        bitstream, encode_s = self.compress(image, **options)
        data = bitstream.to_bytes()
        return Result(bitstream, data, decode(data), encode_s)


def decode(data: bytes | Bitstream) -> Decoded:
    """Decode a file with the model its header names; the pixels it codes faithfully come from the file alone."""
    bitstream = data if isinstance(data, Bitstream) else Bitstream.from_bytes(data)
    codec = codec_for(bitstream)
    start = time.perf_counter()
    reconstruction = np.asarray(codec.decompress(bitstream))
    seconds = time.perf_counter() - start
    return Decoded(reconstruction, codec.preserved_mask(bitstream), seconds)


def region_psnr(original: np.ndarray, reconstruction: np.ndarray, preserved: np.ndarray) -> dict[str, float]:
    """PSNR over the whole image, the preserved region and the synthesised region (nan where a region is empty)."""
    return {
        "psnr": psnr(original, reconstruction),
        "psnr_preserved": psnr(original, reconstruction, preserved),
        "psnr_synthesised": psnr(original, reconstruction, ~preserved),
    }


def preserved_description(bitstream: Bitstream) -> str:
    """What a file keeps, in words: 'the whole image', 'nothing (the label map only)' or its class names."""
    if bitstream.mode == Mode.GLOBAL:
        return "the whole image"
    names = codec_for(bitstream).class_names
    return ", ".join(names[i] for i in bitstream.preserved_classes if i < len(names)) or "nothing (the label map only)"


def best_classical(
    image: ImageLike, max_bytes: int, codecs: tuple[str, ...] = CLASSICAL, scales: tuple[int, ...] = SCALES
) -> MatchedResult | None:
    """The best-PSNR classical file within max_bytes, each codec at full, 1/2 and 1/4 size (None if none fits)."""
    return best_within(load_rgb(image), max_bytes, codecs, scales)
