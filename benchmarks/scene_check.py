"""The scene check's two signs (selgan.scene) on street photos by day and simulated night, dusk and rain, on
other cameras and on photos that are not streets: which it flags, and how right the segmenter was on them.

Usage: python benchmarks/scene_check.py [--model camvid-sc-c8] [--frames heldout|report] [--out DIR]

Sets: CamVid val (odd frames with --frames heldout, where the limits were chosen; even ones with report), the
same frames degraded by selgan.degrade (night, dusk, rain), the 8 Cityscapes frames at 1024×512, the dashcam
photo by day and at simulated night, and benchmarks/images/nonstreet. Pixel accuracy is the segmenter's against
the ground truth where there is one. Writes DIR/scene-FRAMES.csv and DIR/scene-FRAMES.md and prints the table.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from selgan.api import shared
from selgan.datasets import data_root
from selgan.degrade import degrade
from selgan.imageio import load_rgb
from selgan.labels.vocab import CAMVID
from selgan.scene import SceneLimits, check_scene
from selgan.segment.evaluate import labelled_frames

HERE = Path(__file__).resolve().parent
CONDITIONS = ("night", "dusk", "rain")


def frame_sets(frames: str) -> dict[str, list[tuple[np.ndarray, np.ndarray | None]]]:
    """(image, ground truth or None) per set."""
    val = list(labelled_frames("camvid", data_root() / "camvid", "val", "camvid", CAMVID))
    val = val[1::2] if frames == "heldout" else val[0::2]
    day = [(load_rgb(image), labels) for image, labels in val]
    sets = {"camvid": day}
    for k, condition in enumerate(CONDITIONS):
        rng = [np.random.default_rng([k, i]) for i in range(len(day))]
        sets[f"camvid-{condition}"] = [
            (degrade(image, condition, rng[i]), labels) for i, (image, labels) in enumerate(day)
        ]
    sets["cityscapes"] = list(
        labelled_frames("cityscapes", data_root() / "cityscapes_sample", "train", "cityscapes", CAMVID, (1024, 512))
    )
    dashcam = [(load_rgb(path), None) for path in sorted((data_root().parent / "images").glob("*.png"))]
    sets["dashcam"] = dashcam
    sets["dashcam-night"] = [
        (degrade(image, "night", np.random.default_rng([9, i])), None) for i, (image, _) in enumerate(dashcam)
    ]
    sets["not-a-street"] = [(load_rgb(path), None) for path in sorted((HERE / "images" / "nonstreet").glob("*.jpg"))]
    return sets


def measure(model: str, sets: dict) -> list[dict]:
    codec = shared(model)
    ignore = codec.vocabulary.ignore_id
    rows = []
    for set_name, frames in sets.items():
        for index, (rgb, truth) in enumerate(frames):
            segmap = codec.segment(rgb)
            check = check_scene(rgb, segmap)
            accuracy = float("nan")
            if truth is not None:
                known = truth != ignore
                accuracy = float((segmap.labels[known] == truth[known]).mean())
            rows.append(
                {
                    "set": set_name,
                    "frame": index,
                    "brightness": round(check.brightness, 2),
                    "confidence": round(check.confidence, 4),
                    "dark": check.dark,
                    "unfamiliar": check.unfamiliar,
                    "pixel_accuracy": round(accuracy, 4),
                }
            )
        print(set_name, len(frames), flush=True)
    return rows


def summary(rows: list[dict]) -> str:
    lines = [
        "| set | photos | flagged dark | flagged unfamiliar | flagged (either) | brightness min–max "
        "| confidence min–max | pixel accuracy, flagged / not |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for set_name in dict.fromkeys(r["set"] for r in rows):
        mine = [r for r in rows if r["set"] == set_name]
        flagged = [r for r in mine if r["dark"] or r["unfamiliar"]]
        passed = [r for r in mine if not (r["dark"] or r["unfamiliar"])]

        def accuracy(group: list[dict]) -> str:
            values = [r["pixel_accuracy"] for r in group if not np.isnan(r["pixel_accuracy"])]
            return f"{np.mean(values):.1%}" if values else "—"

        lines.append(
            f"| {set_name} | {len(mine)} | {sum(r['dark'] for r in mine)} | {sum(r['unfamiliar'] for r in mine)} "
            f"| {len(flagged)} | {min(r['brightness'] for r in mine):.0f}–{max(r['brightness'] for r in mine):.0f} "
            f"| {min(r['confidence'] for r in mine):.3f}–{max(r['confidence'] for r in mine):.3f} "
            f"| {accuracy(flagged)} / {accuracy(passed)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="camvid-sc-c8")
    parser.add_argument("--frames", choices=("heldout", "report"), default="report")
    parser.add_argument("--out", type=Path, default=Path("docs/scene"))
    args = parser.parse_args()
    rows = measure(args.model, frame_sets(args.frames))
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / f"scene-{args.frames}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    limits = SceneLimits()
    table = summary(rows)
    (args.out / f"scene-{args.frames}.md").write_text(
        f"Scene check on the {args.frames} frames with {args.model}'s segmenter; limits: mean brightness below "
        f"{limits.min_brightness:g} is dark, mean confidence below {limits.min_confidence:g} unfamiliar.\n"
        f"`python benchmarks/scene_check.py --frames {args.frames}`\n\n{table}\n"
    )
    print(table)


if __name__ == "__main__":
    main()
