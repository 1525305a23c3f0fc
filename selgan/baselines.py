"""Baseline codecs, searched for the best quality that fits a byte budget: classical ones from maintained
libraries, and the learned MSE baseline (a CompressAI scale hyperprior) when its weights are installed.

`best_within` is the one rule for "the best classical file within N bytes" that the app, the demo and
the pipeline's comparison use; `code_at_budget` is one codec at one resolution (eval's table rows)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import imagecodecs
import numpy as np
import pillow_heif
from PIL import Image

from selgan.errors import ModelNotFoundError
from selgan.registry import Registry

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


# Every baseline, as a function returning its codec: classical ones at once, learned ones from their weights.
BASELINE_BUILDERS: Registry[Callable[[], BaselineCodec]] = Registry("baseline")
BASELINES: dict[str, BaselineCodec] = {}  # the classical ones, by name (no weights needed)


def _classical(codec: BaselineCodec) -> None:
    BASELINES[codec.name] = codec
    BASELINE_BUILDERS.register(codec.name)(lambda: codec)


_classical(BaselineCodec("jpeg", *_pillow("JPEG", optimize=True), (1, 95)))
_classical(BaselineCodec("webp", *_pillow("WEBP", method=6), (0, 100)))
_classical(BaselineCodec("avif", *_pillow("AVIF", speed=4), (0, 100)))
_classical(BaselineCodec("heic", *_pillow("HEIF"), (0, 100)))  # HEVC intra via libheif (BPG's coding tools)
_classical(
    BaselineCodec(
        "jxl",
        lambda rgb, q: imagecodecs.jpegxl_encode(rgb, level=q, effort=7),
        lambda data: np.asarray(imagecodecs.jpegxl_decode(data))[..., :3],
        (0, 100),
    )
)
# OpenJPEG's quality layer is a target PSNR in dB: higher means larger files.
_classical(
    BaselineCodec(
        "jpeg2k",
        lambda rgb, q: imagecodecs.jpeg2k_encode(rgb, level=q, codecformat="j2k"),
        lambda data: np.asarray(imagecodecs.jpeg2k_decode(data))[..., :3],
        (5, 60),
    )
)

# Learned baselines: name -> the zoo model holding their weights (loaded on first use).
LEARNED = {"hyperprior": "camvid-hyperprior"}


def baseline_names() -> list[str]:
    """Every baseline `get_baseline` knows (learned ones whether or not their weights are installed)."""
    return BASELINE_BUILDERS.names()


def get_baseline(name: str) -> BaselineCodec:
    """A baseline by name; ModelNotFoundError for a learned one whose weights or package are missing."""
    return BASELINE_BUILDERS[name]()


@BASELINE_BUILDERS.register("hyperprior")
def _hyperprior() -> BaselineCodec:
    return _learned("hyperprior")


@lru_cache(maxsize=2)
def _learned(name: str) -> BaselineCodec:
    from selgan import zoo
    from selgan.hyperprior import load

    model_name = LEARNED[name]
    try:
        codec = load(zoo.weights_path(zoo.get_spec(model_name, kind="baseline")))
    except ModelNotFoundError as exc:
        raise ModelNotFoundError(
            f"the learned baseline needs the weights {model_name!r}, which are not installed here ({exc})"
        ) from None
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
    source = resize(rgb, scale, down=True)
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
    return MatchedResult(
        codec.name, scale, best[0], len(best[1]), resize(decoded, scale, down=False, size=rgb.shape[1::-1])
    )


def resize(rgb: np.ndarray, scale: int, down: bool, size: tuple[int, int] | None = None) -> np.ndarray:
    """Lanczos to 1/scale of rgb's size (down), or back up to `size` (w, h); scale 1 is the identity."""
    if scale == 1:
        return rgb
    if down:
        size = (max(1, round(rgb.shape[1] / scale)), max(1, round(rgb.shape[0] / scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))


def best_within(
    rgb: np.ndarray, max_bytes: int, names: tuple[str, ...] = ("webp", "avif"), scales: tuple[int, ...] = (1, 2, 4)
) -> MatchedResult | None:
    """The highest-PSNR file of the named codecs, each at full or 1/s size, within max_bytes; None if none fits.

    Per codec, the smallest size is tried first: when even it is over the budget at the lowest quality,
    the larger sizes (whose files only grow) are not tried.
    """
    from selgan.metrics import psnr

    best, best_psnr = None, -float("inf")
    for name in names:
        for result in matched_sizes(name, rgb, max_bytes, scales):
            score = psnr(rgb, result.reconstruction)
            if score > best_psnr:
                best, best_psnr = result, score
    return best


def matched_sizes(
    name: str, rgb: np.ndarray, max_bytes: int, scales: tuple[int, ...] = (1, 2, 4)
) -> list[MatchedResult]:
    """One codec's best file within max_bytes at each size that fits, smallest size first (see best_within)."""
    fits = []
    for scale in sorted(scales, reverse=True):
        result = code_at_budget(get_baseline(name), rgb, max_bytes, scale)
        if result.reconstruction is None:
            break
        fits.append(result)
    return fits
