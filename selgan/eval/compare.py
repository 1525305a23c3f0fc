"""`selgan compare`: how close one reconstruction (an image or a .sgc file) comes to its original."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from selgan.bitstream import Bitstream
from selgan.errors import ImageError
from selgan.eval.lpips_metric import lpips_distance
from selgan.imageio import ImageLike, load_rgb
from selgan.metrics import msssim, psnr_lowfreq
from selgan.pipeline import decode, region_psnr


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


def compare(original: ImageLike, other: ImageLike | bytes | Bitstream) -> dict:
    """Metrics of `other` against `original`: a .sgc file (path, bytes or Bitstream; decoded with the model it
    names, its preserved and synthesised regions measured apart) or a reconstructed image (path, PIL or array).

    Keys: fidelity's metrics (region ones only for .sgc files), 'bytes', 'bpp' and 'ratio' (the uncompressed
    24-bit size over the file's bytes) when the size is known (a file, bytes or a Bitstream), and
    'original_bytes' with 'ratio_to_original' when the original is a file."""
    reference = load_rgb(original)
    height, width = reference.shape[:2]
    data = _sgc_bytes(other)
    if data is not None:
        decoded = decode(data)
        reconstruction, preserved, num_bytes = decoded.reconstruction, decoded.preserved, len(data)
    else:
        reconstruction = load_rgb(other)
        preserved = np.ones((height, width), dtype=bool)
        num_bytes = os.path.getsize(other) if isinstance(other, (str, os.PathLike)) else None
    if reconstruction.shape != reference.shape:
        raise ImageError(
            f"the reconstruction is {reconstruction.shape[1]}×{reconstruction.shape[0]}, the original {width}×{height}"
        )
    result: dict = {"width": width, "height": height}
    metrics = fidelity(reference, reconstruction, preserved)
    if data is None:  # an image tells nothing of regions: the whole image is its only one
        metrics = {k: v for k, v in metrics.items() if not k.endswith(("_preserved", "_synthesised", "_share"))}
    result.update(metrics)
    if num_bytes is not None:
        result.update(bytes=num_bytes, bpp=8 * num_bytes / (width * height), ratio=3 * width * height / num_bytes)
        if isinstance(original, (str, os.PathLike)):
            result["original_bytes"] = os.path.getsize(original)
            result["ratio_to_original"] = result["original_bytes"] / num_bytes
    return result


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
