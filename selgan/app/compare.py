"""selgan's file beside the classical codecs at the same file size, row by row as they are found, and the
pictures a person compares: uncropped at the same scale, or zoomed on the same spot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from selgan.app.session import Result
from selgan.app.views import region_psnr
from selgan.baselines import MatchedResult, best_within
from selgan.metrics import psnr

COMPARE_WITH = ("jpeg", "avif")  # the quick one first: its row shows while AVIF is still searching
SCALES = (1, 2, 4)  # classical codecs are also tried on the image downscaled by these factors
PENDING = "*Coding the same image with AVIF and JPEG at the same file size…*"
ZOOMS = {"whole image": 1, "2×": 2, "4×": 4}  # the sliders' zoom; a click on the preserved-mask picture centres it


@dataclass(frozen=True)
class Found:
    """One classical codec's best file within selgan's bytes (None: none fits), as the table names it."""

    name: str
    match: MatchedResult | None

    @property
    def label(self) -> str:
        if self.match is None or self.match.scale == 1:
            return self.name.upper()
        return f"{self.name.upper()} at 1/{self.match.scale} size"


def best_baseline(name: str, rgb: np.ndarray, max_bytes: int) -> MatchedResult | None:
    """The best-PSNR file of one classical codec within max_bytes, at full, 1/2 or 1/4 size (None if none fits)."""
    return best_within(rgb, max_bytes, (name,), SCALES)


def comparison(rgb: np.ndarray, result: Result, cache: dict | None = None) -> Iterator[tuple[str, list[Found]]]:
    """selgan's file and each classical codec's at (at most) the same size: PSNR on the preserved region and overall.

    Yields the table and the classical files found so far as it fills: selgan's row at once, then one row per
    classical codec. `cache` keeps the classical files found per (codec, budget) for the session's image.
    """
    cache = {} if cache is None else cache
    max_bytes = len(result.data)
    region = result.preserved
    rows = [
        (
            f"**selgan** ({result.model_id})",
            f"{max_bytes:,} B",
            region_psnr(rgb, result.recon, region),
            f"{psnr(rgb, result.recon):.2f} dB",
        )
    ]
    found: list[Found] = []

    def table(pending: tuple[str, ...] = ()) -> str:
        lines = rows + [(name.upper(), "*coding…*", "", "") for name in pending]
        return "| codec | file | PSNR, preserved region | PSNR, whole image |\n|---|---|---|---|\n" + "\n".join(
            "| " + " | ".join(row) + " |" for row in lines
        )

    yield table(COMPARE_WITH), []
    for k, name in enumerate(COMPARE_WITH):
        if (name, max_bytes) not in cache:
            cache[name, max_bytes] = best_baseline(name, rgb, max_bytes)
        item = Found(name, cache[name, max_bytes])
        if item.match is None:
            rows.append((item.label, f"no file fits in {max_bytes:,} B, even at 1/{max(SCALES)} size", "—", "—"))
        else:
            recon = item.match.reconstruction
            rows.append(
                (
                    item.label,
                    f"{item.match.num_bytes:,} B",
                    region_psnr(rgb, recon, region),
                    f"{psnr(rgb, recon):.2f} dB",
                )
            )
            found.append(item)
        yield table(COMPARE_WITH[k + 1 :]), list(found)


def zoomed(image: np.ndarray, center: tuple[float, float], factor: int) -> np.ndarray:
    """The 1/factor-wide window of the image around center ((x, y) as shares of width and height), kept inside
    the picture; the whole image at factor 1. Every picture cut with the same arguments shows the same spot."""
    if factor <= 1:
        return image
    height, width = image.shape[:2]
    w, h = max(1, width // factor), max(1, height // factor)
    x0 = int(round(min(max(center[0] * width - w / 2, 0), width - w)))
    y0 = int(round(min(max(center[1] * height - h / 2, 0), height - h)))
    return image[y0 : y0 + h, x0 : x0 + w]


def versus_label(result: Result, item: Found) -> str:
    """The comparison slider's caption: what each side is and its file size."""
    return f"selgan {len(result.data):,} B (left) | {item.label} {item.match.num_bytes:,} B (right): drag to compare"
