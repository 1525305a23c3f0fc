"""Reliability diagrams of the built-in segmenter's confidence: CamVid val in daylight and under simulated
night, dusk and rain, and the Cityscapes frames (issue 38).

Usage: python benchmarks/seg_reliability.py [--segmenter camvid-seg] [--out docs/segmenter]
Writes OUT/reliability.png (accuracy against confidence per bin, bar width = share of pixels; the diagonal is
perfect calibration) and OUT/reliability.json (ECE, bins and the "unsure" figures per set).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from selgan.datasets import data_root
from selgan.degrade import CONDITIONS
from selgan.labels.vocab import CAMVID
from selgan.segment import get_segmenter
from selgan.segment.evaluate import degraded_frames, evaluate_segmenter, labelled_frames
from selgan.segment.segmap import UNSURE_BELOW


def measure(segmenter_name: str) -> dict[str, dict]:
    """Calibration summary per set (daylight, each condition, Cityscapes)."""
    segmenter = get_segmenter("builtin", name=segmenter_name)
    val = list(labelled_frames("camvid", data_root() / "camvid", "val", "camvid", CAMVID))
    sets = {"CamVid val, daylight": val}
    sets.update({f"CamVid val, simulated {c}": list(degraded_frames(val, c)) for c in CONDITIONS})
    sets["Cityscapes, 1024×512"] = list(
        labelled_frames("cityscapes", data_root() / "cityscapes_sample", "train", "cityscapes", CAMVID, (1024, 512))
    )
    results = {}
    for name, frames in sets.items():
        table = evaluate_segmenter(segmenter, frames, CAMVID)
        results[name] = {"miou": table["miou"], **table["calibration"]}
        print(f"{name}: mIoU {table['miou']:.3f}, ECE {results[name]['ece']:.4f}", flush=True)
    return results


def plot(results: dict[str, dict], path: Path) -> None:
    """One panel per set: accuracy per confidence bin against the diagonal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(3.2 * len(results), 3.4), sharey=True)
    for ax, (name, result) in zip(axes, results.items()):
        bins = [b for b in result["bins"] if b["accuracy"] is not None]
        width = bins[0]["high"] - bins[0]["low"]
        ax.bar([b["low"] for b in bins], [b["accuracy"] for b in bins], width=width, align="edge", color="#4c72b0")
        ax.bar(
            [b["low"] for b in bins],
            [b["share"] for b in bins],
            width=width,
            align="edge",
            color="#dd8452",
            alpha=0.6,
        )
        ax.plot([0, 1], [0, 1], "k--", linewidth=1)
        ax.axvline(UNSURE_BELOW, color="grey", linewidth=1)
        unsure = result["unsure"][f"{UNSURE_BELOW:.2f}"]
        ax.set_title(
            f"{name}\nECE {result['ece']:.3f}, mIoU {result['miou']:.2f}\n"
            f"unsure {unsure['flagged']:.0%} of px, {unsure['wrong_caught']:.0%} of errors",
            fontsize=8,
        )
        ax.set_xlabel("confidence")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("accuracy (blue), share of pixels (orange)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segmenter", default="camvid-seg")
    parser.add_argument("--out", type=Path, default=Path("docs/segmenter"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = measure(args.segmenter)
    (args.out / "reliability.json").write_text(json.dumps(results, indent=1))
    plot(results, args.out / "reliability.png")


if __name__ == "__main__":
    main()
