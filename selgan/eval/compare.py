"""`selgan compare`: how close one reconstruction (an image or a .sgc file) comes to its original."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from selgan.api import LabelsLike, shared
from selgan.bitstream import Bitstream
from selgan.errors import ImageError
from selgan.eval.lpips_metric import lpips_distance
from selgan.imageio import ImageLike, load_rgb
from selgan.metrics import msssim, psnr_lowfreq
from selgan.pipeline import decode, region_psnr
from selgan.select import pixel_preserve_mask
from selgan.zoo import default_codec


def fidelity(original: np.ndarray, reconstruction: np.ndarray, preserved: np.ndarray) -> dict[str, float]:
    """The fidelity metrics `selgan eval` reports per image: PSNR, low-frequency PSNR (16× area average) and
    MS-SSIM, over the whole image and inside the preserved and synthesised regions, and LPIPS when its backbone
    is cached. Regions without pixels give nan."""
    metrics = {
        **region_psnr(original, reconstruction, preserved),
        "psnr_lowfreq": psnr_lowfreq(original, reconstruction),
        "psnr_lowfreq_synthesised": psnr_lowfreq(original, reconstruction, mask=~preserved),
        "msssim": msssim(original, reconstruction),
        "msssim_preserved": msssim(original, reconstruction, preserved),
        "msssim_synthesised": msssim(original, reconstruction, ~preserved),
        "preserved_share": float(preserved.mean()),
    }
    distance = lpips_distance()
    if distance is not None:
        metrics["lpips"] = distance(original, reconstruction)
    return metrics


def compare(
    original: ImageLike,
    other: ImageLike | bytes | Bitstream,
    *,
    labels: LabelsLike | None = None,
    segment: bool = False,
    preserve: Sequence[str | int] | str = "default",
    model: str | None = None,
) -> dict:
    """Metrics of `other` against `original`: a .sgc file (path, bytes or Bitstream; decoded with the model it
    names, its preserved and synthesised regions measured apart) or a reconstructed image (path, PIL or array).

    Regions for an image (or other regions for a file): `labels` (the original's label map: a label PNG path,
    an array or PIL of ids, or a SegMap) or `segment=True` (the model's segmenter labels the original), and
    `preserve`, the classes counted as preserved, in the preserve dialect of compress ('default': the model's
    own set). `model` names the codec whose vocabulary, segmenter and default set are used (default: the
    installed default codec).

    Keys: fidelity's metrics (region ones only with regions), 'bytes', 'bpp' and 'ratio' (the uncompressed
    24-bit size over the file's bytes) when the size is known (a file, bytes or a Bitstream), and
    'original_bytes' with 'ratio_to_original' when the original is a file."""
    reference = load_rgb(original)
    height, width = reference.shape[:2]
    data = _sgc_bytes(other)
    preserved = None
    if data is not None:
        decoded = decode(data)
        reconstruction, preserved, num_bytes = decoded.reconstruction, decoded.preserved, len(data)
    else:
        reconstruction = load_rgb(other)
        num_bytes = os.path.getsize(other) if isinstance(other, (str, os.PathLike)) else None
    if reconstruction.shape != reference.shape:
        raise ImageError(
            f"the reconstruction is {reconstruction.shape[1]}×{reconstruction.shape[0]}, the original {width}×{height}"
        )
    if labels is not None or segment:  # a file's own model knows its classes, unless another is named
        preserved = preserved_region(reference, labels, preserve, model or _model_of(data))
    result: dict = {"width": width, "height": height}
    metrics = fidelity(reference, reconstruction, np.ones((height, width), bool) if preserved is None else preserved)
    if preserved is None:  # an image alone tells nothing of regions: the whole image is its only one
        metrics = {k: v for k, v in metrics.items() if not k.endswith(("_preserved", "_synthesised", "_share"))}
    result.update(metrics)
    if num_bytes is not None:
        result.update(bytes=num_bytes, bpp=8 * num_bytes / (width * height), ratio=3 * width * height / num_bytes)
        if isinstance(original, (str, os.PathLike)):
            result["original_bytes"] = os.path.getsize(original)
            result["ratio_to_original"] = result["original_bytes"] / num_bytes
    return result


def preserved_region(
    image: np.ndarray, labels: LabelsLike | None, preserve: Sequence[str | int] | str, model: str | None = None
) -> np.ndarray:
    """H×W bool: the pixels of `image` whose class (from `labels`, or the model's segmenter when None) is in
    the preserve set, as compress would keep them before snapping to latent cells."""
    codec = shared(model or default_codec())
    chosen = codec.preserve_set(preserve)
    if chosen.whole:
        raise ImageError("regions need classes to preserve: name them (or 'default'), not 'all'")
    return pixel_preserve_mask(codec.label_map(image, labels), chosen.classes)


def _model_of(data: bytes | None) -> str | None:
    return None if data is None else Bitstream.from_bytes(data).model_id


def _sgc_bytes(other) -> bytes | None:
    """The .sgc bytes `other` holds, or None when it is an image."""
    if isinstance(other, Bitstream):
        return other.to_bytes()
    if isinstance(other, (bytes, bytearray)):
        return bytes(other)
    if isinstance(other, (str, os.PathLike)):
        path = Path(other)
        try:
            with path.open("rb") as handle:
                head = handle.read(4)
        except FileNotFoundError:
            raise ImageError(f"{path}: no such file") from None
        except OSError as exc:
            raise ImageError(f"{path}: cannot read ({exc.strerror})") from None
        if head == b"\x89SGC":
            return path.read_bytes()
    return None
