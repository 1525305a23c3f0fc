"""Baseline codecs, searched for the best quality that fits a byte budget: classical ones from maintained
libraries, and the learned MSE baseline (a CompressAI scale hyperprior) when its weights are installed."""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import imagecodecs
import numpy as np
import pillow_heif
from PIL import Image

from selgan.errors import ModelNotFoundError, SelganError

pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class BaselineCodec:
    """encode(rgb, quality) -> bytes; decode(bytes) -> rgb; a larger quality gives a larger file."""

    name: str
    encode: Callable[[np.ndarray, int], bytes]
    decode: Callable[[bytes], np.ndarray]
    qualities: tuple[int, int]  # inclusive search range


def _pillow(fmt: str, **options) -> tuple[Callable, Callable]:
    def encode(rgb: np.ndarray, quality: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(rgb).save(buffer, format=fmt, quality=quality, **options)
        return buffer.getvalue()

    def decode(data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    return encode, decode


BASELINES: dict[str, BaselineCodec] = {
    "jpeg": BaselineCodec("jpeg", *_pillow("JPEG", optimize=True), (1, 95)),
    "webp": BaselineCodec("webp", *_pillow("WEBP", method=6), (0, 100)),
    "avif": BaselineCodec("avif", *_pillow("AVIF", speed=4), (0, 100)),
    "heic": BaselineCodec("heic", *_pillow("HEIF"), (0, 100)),  # HEVC intra via libheif (BPG's coding tools)
    "jxl": BaselineCodec("jxl", lambda rgb, q: imagecodecs.jpegxl_encode(rgb, level=q, effort=7),
                         lambda data: np.asarray(imagecodecs.jpegxl_decode(data))[..., :3], (0, 100)),
    # OpenJPEG's quality layer is a target PSNR in dB: higher means larger files.
    "jpeg2k": BaselineCodec("jpeg2k", lambda rgb, q: imagecodecs.jpeg2k_encode(rgb, level=q, codecformat="j2k"),
                            lambda data: np.asarray(imagecodecs.jpeg2k_decode(data))[..., :3], (5, 60)),
}

# Learned baselines: name -> the zoo model holding their weights (loaded on first use).
LEARNED = {"hyperprior": "camvid-hyperprior"}


def baseline_names() -> list[str]:
    """Every baseline `get_baseline` knows (learned ones whether or not their weights are installed)."""
    return [*BASELINES, *LEARNED]


def get_baseline(name: str) -> BaselineCodec:
    """A baseline by name; ModelNotFoundError for a learned one whose weights or package are missing."""
    if name in BASELINES:
        return BASELINES[name]
    if name in LEARNED:
        return _learned(name)
    raise SelganError(f"unknown baseline {name!r}; choose from {', '.join(baseline_names())}")


@lru_cache(maxsize=2)
def _learned(name: str) -> BaselineCodec:
    from selgan import zoo
    from selgan.hyperprior import load

    model_name = LEARNED[name]
    try:
        codec = load(zoo.weights_path(zoo.get_spec(model_name, kind="baseline")))
    except ModelNotFoundError as exc:
        raise ModelNotFoundError(f"the learned baseline needs the weights {model_name!r}, which are not installed "
                                 f"here ({exc})") from None
    return BaselineCodec(name, codec.encode, codec.decode, (0, len(codec.models) - 1))


@dataclass(frozen=True)
class MatchedResult:
    """The baseline's file at the budget (None when even its lowest quality is too large)."""

    codec: str
    scale: int  # 1, 2 or 4: coded at 1/scale resolution (Lanczos down, Lanczos up)
    quality: int | None
    num_bytes: int | None
    reconstruction: np.ndarray | None

    @property
    def label(self) -> str:
        return self.codec if self.scale == 1 else f"{self.codec}@1/{self.scale}"


def code_at_budget(codec: BaselineCodec, rgb: np.ndarray, max_bytes: int, scale: int = 1) -> MatchedResult:
    """Binary search for the highest quality whose file is at most max_bytes; never exceeds it."""
    source = _resize(rgb, scale, down=True)
    lo, hi = codec.qualities
    encoded: dict[int, bytes] = {}

    def encode(quality: int) -> bytes:
        if quality not in encoded:
            encoded[quality] = codec.encode(source, quality)
        return encoded[quality]

    if len(encode(lo)) > max_bytes:  # even the lowest quality is too large: one encode instead of a search
        return MatchedResult(codec.name, scale, None, None, None)
    best: tuple[int, bytes] | None = None
    while lo <= hi:
        quality = (lo + hi) // 2
        data = encode(quality)
        if len(data) <= max_bytes:
            best, lo = (quality, data), quality + 1
        else:
            hi = quality - 1
    if best is None:
        return MatchedResult(codec.name, scale, None, None, None)
    decoded = codec.decode(best[1])
    return MatchedResult(codec.name, scale, best[0], len(best[1]), _resize(decoded, scale, down=False, size=rgb.shape[1::-1]))


def _resize(rgb: np.ndarray, scale: int, down: bool, size: tuple[int, int] | None = None) -> np.ndarray:
    if scale == 1:
        return rgb
    if down:
        size = (max(1, round(rgb.shape[1] / scale)), max(1, round(rgb.shape[0] / scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))
