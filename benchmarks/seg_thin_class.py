"""Why a thin class (Pole by default) scores low: where its pixels go, and how its IoU moves with resolution.

Usage: python benchmarks/seg_thin_class.py [--segmenter pretrained/camvid-seg.safetensors] [--class Pole]
       [--camvid ../shared/data/camvid] [--heights 360,480,600,720] [--stride 1]
On CamVid val (every --stride-th frame), at the segmenter's own working height:
- recall and precision of the class, and which classes its missed pixels were given;
- recall and precision with one pixel of tolerance (a prediction within 1 px of the class counts): if these stay
  low, the errors are missed or invented objects, not boundaries a pixel off;
then the class's IoU and the mIoU with every image segmented at each of --heights (the working height is a
speed/accuracy trade: the network's cost grows with its square).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

from selgan.datasets import data_root
from selgan.imageio import load_rgb
from selgan.labels.vocab import CAMVID
from selgan.segment.builtin import load_segmenter
from selgan.segment.evaluate import labelled_frames
from selgan.segment.metrics import confusion_matrix, iou_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segmenter", type=Path, default=Path("pretrained/camvid-seg.safetensors"))
    parser.add_argument("--class", dest="name", default="Pole")
    parser.add_argument("--camvid", type=Path, default=data_root() / "camvid")
    parser.add_argument("--heights", default="360,480,600,720")
    parser.add_argument("--stride", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(2)
    segmenter = load_segmenter(args.segmenter)
    names = tuple(CAMVID.class_names[i] for i in range(CAMVID.num_classes) if i != CAMVID.ignore_id)
    target_id = names.index(args.name)
    frames = [
        (load_rgb(image), labels)
        for image, labels in list(labelled_frames("camvid", args.camvid, "val", "camvid", CAMVID))[:: args.stride]
    ]
    k = CAMVID.num_classes
    own_height = segmenter.working_height
    confusion = np.zeros((k, k), dtype=np.int64)
    tolerant = {"hit": 0, "predicted": 0, "found": 0, "true": 0}
    for rgb, labels in frames:
        pred = segmenter.predict(rgb)
        scored = labels != CAMVID.ignore_id
        confusion += confusion_matrix(pred[scored], labels[scored], k)
        true, said = (labels == target_id), (pred == target_id) & scored
        tolerant["hit"] += int((said & ndimage.binary_dilation(true)).sum())
        tolerant["predicted"] += int(said.sum())
        tolerant["found"] += int((true & ndimage.binary_dilation(said)).sum())
        tolerant["true"] += int(true.sum())
    row = confusion[target_id]
    print(
        f"{args.name} on CamVid val ({len(frames)} frames) at {own_height} px: "
        f"recall {row[target_id] / row.sum():.1%}, precision {row[target_id] / confusion[:, target_id].sum():.1%}; "
        f"with 1 px tolerance recall {tolerant['found'] / tolerant['true']:.1%}, "
        f"precision {tolerant['hit'] / tolerant['predicted']:.1%}"
    )
    missed = {names[j]: int(row[j]) for j in np.argsort(-row) if j != target_id and row[j] > 0.02 * row.sum()}
    print(f"its missed pixels went to: {missed}")
    wrongly = confusion[:, target_id]
    invented = {
        names[i]: int(wrongly[i]) for i in np.argsort(-wrongly) if i != target_id and wrongly[i] > 0.02 * wrongly.sum()
    }
    print(f"its false pixels were: {invented}")
    print(f"| working height | {args.name} IoU % | mIoU % |")
    print("|---|---|---|")
    for height in (int(h) for h in args.heights.split(",")):
        segmenter.working_height = height
        confusion = np.zeros((k, k), dtype=np.int64)
        for rgb, labels in frames:
            scored = labels != CAMVID.ignore_id
            confusion += confusion_matrix(segmenter.predict(rgb)[scored], labels[scored], k)
        keep = [i for i in range(k) if i != CAMVID.ignore_id]
        table = iou_table(confusion[np.ix_(keep, keep)], names)
        print(
            f"| {height}{' (shipped)' if height == own_height else ''} | "
            f"{100 * table['per_class'][args.name]:.1f} | {100 * table['miou']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
