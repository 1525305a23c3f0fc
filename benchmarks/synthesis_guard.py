"""The synthesis guard's signs on real files: which synthesised regions it would flag, in daylight and at night.

Usage: python benchmarks/synthesis_guard.py [--model camvid-sc-c8] [--frames heldout|report] [--out DIR]

Every frame is compressed as a user would (the model's segmenter labels it, the default preserve set), decoded,
and each synthesised class region of at least 1 % of the image measured with selgan.guard.check_regions. Where
ground truth exists, a region is "wrong" when fewer than half of its pixels carry the label the painting
followed. Sets: CamVid val (odd frames with --frames heldout, for choosing the limits; even ones with report),
the same frames at simulated night (selgan.degrade), the 8 Cityscapes frames at 1024×512 and the dashcam photo.
Writes DIR/regions-FRAMES.csv (one row per region) and prints, per set, how many images and wrong regions the
default limits flag.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from selgan.api import shared
from selgan.datasets import data_root
from selgan.degrade import degrade
from selgan.guard import GuardLimits, check_regions
from selgan.imageio import load_rgb
from selgan.labels.vocab import CAMVID
from selgan.segment.evaluate import labelled_frames
from selgan.segment.segmap import UNSURE_BELOW


def frame_sets(frames: str) -> dict[str, list[tuple[np.ndarray, np.ndarray | None]]]:
    """(image, ground truth or None) per set."""
    val = list(labelled_frames("camvid", data_root() / "camvid", "val", "camvid", CAMVID))
    val = val[1::2] if frames == "heldout" else val[0::2]
    day = [(load_rgb(image), labels) for image, labels in val]
    night = [(degrade(image, "night", np.random.default_rng([0, i])), labels) for i, (image, labels) in enumerate(day)]
    cityscapes = list(
        labelled_frames("cityscapes", data_root() / "cityscapes_sample", "train", "cityscapes", CAMVID, (1024, 512))
    )
    dashcam = [(load_rgb(path), None) for path in sorted((data_root().parent / "images").glob("*.png"))]
    return {"camvid": day, "camvid-night": night, "cityscapes": cityscapes, "dashcam": dashcam}


def measure(model: str, sets: dict) -> list[dict]:
    codec = shared(model)
    rows = []
    for set_name, frames in sets.items():
        for index, (rgb, truth) in enumerate(frames):
            segmap = codec.segment(rgb)
            data = codec.compress(rgb, labels=segmap, preserve="default", guard="off").to_bytes()
            reconstruction = np.asarray(codec.decompress(data))
            synthesised = ~codec.preserved_mask(data)
            checks = check_regions(
                rgb, reconstruction, segmap.labels, synthesised, codec.class_names, segmap.confidence, UNSURE_BELOW
            )
            for check in checks:
                region = synthesised & (segmap.labels == check.class_id)
                right = float((truth[region] == check.class_id).mean()) if truth is not None else float("nan")
                rows.append(
                    {
                        "set": set_name,
                        "frame": index,
                        "class": check.name,
                        "share": round(check.share, 4),
                        "psnr_lowfreq": round(check.psnr_lowfreq, 2),
                        "detail_ratio": round(check.detail_ratio, 3),
                        "unsure": round(check.unsure, 3),
                        "label_right": round(right, 3),
                    }
                )
            print(set_name, index, len(checks), flush=True)
    return rows


def summary(rows: list[dict], limits: GuardLimits) -> str:
    lines = ["| set | images | images flagged | regions | flagged | wrong regions | wrong flagged | right flagged |"]
    lines.append("|---|---|---|---|---|---|---|---|")
    for set_name in dict.fromkeys(r["set"] for r in rows):
        mine = [r for r in rows if r["set"] == set_name]
        flagged = [r for r in mine if _flags(r, limits)]
        wrong = [r for r in mine if r["label_right"] < 0.5]
        right = [r for r in mine if r["label_right"] >= 0.5]
        lines.append(
            f"| {set_name} | {len({r['frame'] for r in mine})} | {len({r['frame'] for r in flagged})} | {len(mine)} | "
            f"{len(flagged)} | {len(wrong)} | {sum(_flags(r, limits) for r in wrong)} | "
            f"{sum(_flags(r, limits) for r in right)} |"
        )
    return "\n".join(lines)


def _flags(row: dict, limits: GuardLimits) -> bool:
    from selgan.guard import RegionCheck

    check = RegionCheck(0, row["class"], row["share"], row["psnr_lowfreq"], row["detail_ratio"], row["unsure"])
    return bool(limits.reasons(check))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="camvid-sc-c8")
    parser.add_argument("--frames", choices=["heldout", "report"], default="heldout")
    parser.add_argument("--out", type=Path, default=Path("docs/guard"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = measure(args.model, frame_sets(args.frames))
    with (args.out / f"regions-{args.frames}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(summary(rows, GuardLimits()))


if __name__ == "__main__":
    main()
