"""Calibrate a shipped segmenter's confidence: fit one temperature on held-apart CamVid val frames (the odd
ones), write it into the weights file, and report calibration before and after on frames it never saw.

Usage: python -m selgan.train.segmenter_calibrate pretrained/camvid-seg.safetensors [--json OUT.json]
       [--camvid DIR] [--cityscapes DIR] [--dry-run]

Reported: the even CamVid val frames (never used to fit) and the 8 Cityscapes frames at 1024×512 (another
camera), each with ECE (15 bins), accuracy and, per "unsure" threshold, the share of pixels flagged and of
wrong pixels caught. Labels never change (a temperature keeps the argmax); the manifest's sha256 is updated.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from selgan.datasets import data_root
from selgan.errors import run_script
from selgan.imageio import load_rgb
from selgan.labels.vocab import CAMVID
from selgan.segment.builtin import load_segmenter
from selgan.segment.calibration import Reliability, fit_temperature
from selgan.segment.evaluate import labelled_frames
from selgan.zoo import sha256_file

SAMPLE_STRIDE = 4  # fit on every 4th pixel of every 4th row: neighbouring pixels add little, memory stays small


def frame_scores(segmenter, frames) -> list[tuple[torch.Tensor, np.ndarray]]:
    """(K×H×W scores before any temperature, labels) per (image, labels) frame."""
    return [(segmenter.logits(load_rgb(image)), labels) for image, labels in frames]


def fit(scores: list[tuple[torch.Tensor, np.ndarray]]) -> float:
    """The temperature that minimises the cross-entropy on the frames' labelled pixels (sampled on a grid)."""
    logits, targets = [], []
    for score, labels in scores:
        grid = labels[::SAMPLE_STRIDE, ::SAMPLE_STRIDE]
        scored = torch.from_numpy(grid != CAMVID.ignore_id)
        logits.append(score[:, ::SAMPLE_STRIDE, ::SAMPLE_STRIDE].permute(1, 2, 0)[scored])
        targets.append(torch.from_numpy(grid)[scored])
    return fit_temperature(torch.cat(logits), torch.cat(targets))


def reliability(scores: list[tuple[torch.Tensor, np.ndarray]], temperature: float) -> dict:
    """Calibration summary of the frames' labelled pixels at one temperature."""
    result = Reliability()
    for score, labels in scores:
        confidence, predicted = (score / temperature).softmax(dim=0).max(dim=0)
        scored = labels != CAMVID.ignore_id
        result.add(confidence.numpy()[scored], predicted.numpy()[scored] == labels[scored])
    return result.summary()


def write_temperature(path: Path, temperature: float) -> str:
    """Store the temperature in the file's metadata (tensors untouched, dtypes kept) and its new sha256 in the
    manifest beside it, if one names the file; returns the sha256."""
    with safe_open(str(path), framework="pt") as handle:
        metadata = dict(handle.metadata())
    tensors = load_file(str(path))
    metadata["temperature"] = repr(float(temperature))
    save_file(tensors, str(path), metadata=metadata)
    sha = sha256_file(path)
    manifest_file = path.parent / "manifest.json"
    if manifest_file.exists():
        manifest = json.loads(manifest_file.read_text())
        for entry in manifest["models"].values():
            if entry["file"] == path.name:
                entry["sha256"] = sha
        manifest_file.write_text(json.dumps(manifest, indent=2) + "\n")
    return sha


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path, help="a segmenter file written by save_segmenter")
    parser.add_argument("--camvid", type=Path, default=data_root() / "camvid")
    parser.add_argument("--cityscapes", type=Path, default=data_root() / "cityscapes_sample")
    parser.add_argument("--json", type=Path, help="write the before/after figures here")
    parser.add_argument("--dry-run", action="store_true", help="measure and print; leave the file as it is")
    args = parser.parse_args(argv)
    segmenter = load_segmenter(args.weights)
    val = list(labelled_frames("camvid", args.camvid, "val", CAMVID.name, CAMVID))
    temperature = fit(frame_scores(segmenter, val[1::2]))
    report = {
        "camvid val, even frames": frame_scores(segmenter, val[0::2]),
        "cityscapes 1024×512": frame_scores(
            segmenter, labelled_frames("cityscapes", args.cityscapes, "train", "cityscapes", CAMVID, (1024, 512))
        ),
    }
    figures = {"temperature": temperature, "previous_temperature": segmenter.temperature, "sets": {}}
    for name, scores in report.items():
        before, after = reliability(scores, segmenter.temperature), reliability(scores, temperature)
        figures["sets"][name] = {"before": before, "after": after}
        print(f"{name}: ECE {before['ece']:.4f} -> {after['ece']:.4f} (accuracy {after['accuracy']:.4f})")
        for threshold, row in after["unsure"].items():
            flagged, caught = row["flagged"], row["wrong_caught"]
            print(f"  unsure below {threshold}: {flagged:.1%} of pixels, {caught:.1%} of the wrong ones")
    print(f"temperature {temperature:.4f} (fitted on {len(val[1::2])} odd CamVid val frames)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    if not args.dry_run:
        sha = write_temperature(args.weights, temperature)
        print(f"wrote the temperature into {args.weights} (sha256 {sha}, manifest updated); update its card")
    return 0


if __name__ == "__main__":
    run_script(main)
