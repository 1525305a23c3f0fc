"""Figures for eval reports: rate-distortion/perception scatter and a grid of crops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

METRICS = (("psnr", "PSNR (dB) ↑"), ("msssim", "MS-SSIM ↑"), ("kid", "KID ↓"), ("miou_gt", "mIoU vs ground truth ↑"))


def rd_plots(summary: list[dict], path: Path, title: str, curves: list[dict] | None = None) -> Path:
    """bpp against each metric: selgan as a star, baselines at matched size as markers, and (PSNR, MS-SSIM)
    each baseline variant as a line over its quality range when `curves` is given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(METRICS), figsize=(5 * len(METRICS), 4.2))
    families: dict[str, list[dict]] = {}
    for entry in summary:
        families.setdefault(entry["codec"].split("@")[0], []).append(entry)
    for ax, (key, _label) in zip(axes, METRICS):
        for variant, points in _curves_by_variant(curves or [], key).items():
            xs, ys = zip(*sorted(points))
            ax.plot(
                xs,
                ys,
                linestyle="--" if "@" in variant else "-",
                linewidth=1,
                alpha=0.6,
                label=f"{variant} (quality sweep)",
            )
        for family, entries in families.items():
            points = [(e["bpp"], e[key]) for e in entries if e.get(key) is not None and e.get("bpp") is not None]
            if not points:
                continue
            xs, ys = zip(*points)
            if family == "selgan":
                ax.scatter(xs, ys, marker="*", s=180, color="crimson", label="selgan", zorder=3)
            else:
                ax.scatter(xs, ys, marker="o", label=f"{family} at selgan's size")
    labels = [label for _, label in METRICS]
    return _finish(
        fig,
        axes,
        labels,
        f"{title}: baselines at selgan's file size (markers; full, 1/2, 1/4 resolution) "
        "and over their quality range (lines)",
        path,
    )


def _finish(fig, axes, ylabels: list[str], title: str, path: Path) -> Path:
    """Axis labels, grid, legend and title; save and close."""
    import matplotlib.pyplot as plt

    for ax, ylabel in zip(axes, ylabels):
        ax.set_xlabel("bits per pixel (file size)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=6, ncol=2)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _curves_by_variant(curves: list[dict], key: str) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for point in curves:
        if key in point and point["bpp"] <= 0.15:  # the extreme-rate end is what matters here
            out.setdefault(point["codec"], []).append((point["bpp"], point[key]))
    return out


def crop_grid(gallery: list[tuple[str, dict[str, np.ndarray]]], path: Path, crop: int = 160) -> Path | None:
    """Rows of images, columns of codecs (original first), each a crop×crop window from the image centre."""
    if not gallery:
        return None
    labels = list(dict.fromkeys(label for _, recons in gallery for label in recons))
    cell, header = crop, 18
    canvas = Image.new("RGB", (cell * len(labels), (cell + header) * len(gallery)), "white")
    draw = ImageDraw.Draw(canvas)
    for row, (_, recons) in enumerate(gallery):
        for col, label in enumerate(labels):
            image = recons.get(label)
            y0 = row * (cell + header)
            draw.text((col * cell + 3, y0 + 3), label, fill="black")
            if image is None:
                continue
            cy, cx = image.shape[0] // 2, image.shape[1] // 2
            window = image[max(0, cy - crop // 2) : cy + crop // 2, max(0, cx - crop // 2) : cx + crop // 2]
            canvas.paste(Image.fromarray(np.ascontiguousarray(window)), (col * cell, y0 + header))
    canvas.save(path)
    return path


def budget_plot(sweep: dict[int, list[dict]], path: Path, title: str) -> Path:
    """Rate control across budgets: mean bpp against PSNR and KID for selgan and each baseline variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    lines: dict[str, list[tuple[float, float, float]]] = {}
    for summary in sweep.values():
        for entry in summary:
            if entry.get("bpp") is not None:
                lines.setdefault(entry["codec"], []).append((entry["bpp"], entry.get("psnr"), entry.get("kid")))
    for label, points in lines.items():
        points.sort()
        for ax, index in zip(axes, (1, 2)):
            xs = [p[0] for p in points if p[index] is not None]
            ys = [p[index] for p in points if p[index] is not None]
            if xs:
                style = (
                    dict(color="crimson", marker="*", markersize=10, linewidth=2)
                    if label == "selgan"
                    else dict(marker=".", alpha=0.7)
                )
                ax.plot(xs, ys, label=label, **style)
    return _finish(
        fig,
        axes,
        ["PSNR (dB) ↑", "KID ↓"],
        f"{title}: rate control at several byte budgets; baselines at the same budgets",
        path,
    )
