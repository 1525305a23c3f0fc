"""selgan's file beside the classical codecs at the same file size, row by row as they are found."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from selgan.app.session import Result
from selgan.app.views import region_psnr
from selgan.baselines import MatchedResult, best_within
from selgan.metrics import psnr

COMPARE_WITH = ("jpeg", "avif")  # the quick one first: its row shows while AVIF is still searching
SCALES = (1, 2, 4)  # classical codecs are also tried on the image downscaled by these factors
PENDING = "*Coding the same image with AVIF and JPEG at the same file size…*"


def best_baseline(name: str, rgb: np.ndarray, max_bytes: int) -> MatchedResult | None:
    """The best-PSNR file of one classical codec within max_bytes, at full, 1/2 or 1/4 size (None if none fits)."""
    return best_within(rgb, max_bytes, (name,), SCALES)


def comparison(rgb: np.ndarray, result: Result, cache: dict | None = None) -> Iterator[tuple[str, list]]:
    """selgan's file and each classical codec's at (at most) the same size: PSNR on the preserved region and overall.

    Yields the table (and gallery) as it fills: selgan's row at once, then one row per classical codec.
    `cache` keeps the classical files found per (codec, budget) for the session's image.
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
    gallery = []

    def table(pending: tuple[str, ...] = ()) -> str:
        lines = rows + [(name.upper(), "*coding…*", "", "") for name in pending]
        return "| codec | file | PSNR, preserved region | PSNR, whole image |\n|---|---|---|---|\n" + "\n".join(
            "| " + " | ".join(row) + " |" for row in lines
        )

    yield table(COMPARE_WITH), list(gallery)
    for k, name in enumerate(COMPARE_WITH):
        if (name, max_bytes) not in cache:
            cache[name, max_bytes] = best_baseline(name, rgb, max_bytes)
        found = cache[name, max_bytes]
        if found is None:
            rows.append((name.upper(), f"no file fits in {max_bytes:,} B, even at 1/{max(SCALES)} size", "—", "—"))
        else:
            label = f"{name.upper()}{'' if found.scale == 1 else f' at 1/{found.scale} size'}"
            whole = psnr(rgb, found.reconstruction)
            rows.append(
                (label, f"{found.num_bytes:,} B", region_psnr(rgb, found.reconstruction, region), f"{whole:.2f} dB")
            )
            gallery.append((found.reconstruction, f"{label}, {found.num_bytes:,} B, {whole:.2f} dB"))
        yield table(COMPARE_WITH[k + 1 :]), list(gallery)


def compare_markdown_and_gallery(rgb: np.ndarray, result: Result, cache: dict | None = None) -> tuple[str, list]:
    """The finished comparison table and gallery (see comparison)."""
    *_, last = comparison(rgb, result, cache)
    return last
