"""How much of the class weighting to undo at inference: the segmenter's mIoU for each logit-adjustment strength.

Usage: python benchmarks/seg_logit_adjustment.py [--segmenter pretrained/camvid-seg.safetensors]
       [--camvid ../shared/data/camvid] [--cityscapes ../shared/data/cityscapes_sample] [--strengths 0,0.25,0.5,0.75,1]
Each frame's scores are computed once (the file's own bias removed); each strength then adds
strength × −log(class weight) and is scored on CamVid val (in domain) and the Cityscapes sample at 1024×512
(another camera). The exporter's LOGIT_ADJUSTMENT was chosen from this table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from selgan.datasets import data_root
from selgan.imageio import load_rgb
from selgan.labels.vocab import CAMVID
from selgan.segment.builtin import load_segmenter
from selgan.segment.evaluate import labelled_frames
from selgan.segment.metrics import confusion_matrix, iou_table
from selgan.train.segmenter import logit_adjustment
from selgan.train.segmenter_export import training_class_weights

SHOWN = ("Pole", "SignSymbol", "Pedestrian", "Car")


def scores(segmenter, frames) -> list[tuple[torch.Tensor, np.ndarray]]:
    """(log-probabilities without any class bias or temperature, labels) per frame."""
    segmenter.class_bias = None
    return [(segmenter.logits(load_rgb(image)).log_softmax(dim=0), labels) for image, labels in frames]


def table_for(cached: list[tuple[torch.Tensor, np.ndarray]], bias: torch.Tensor) -> dict:
    k = CAMVID.num_classes
    confusion = np.zeros((k, k), dtype=np.int64)
    for log_probs, labels in cached:
        pred = (log_probs + bias.view(-1, 1, 1)).argmax(0).numpy()
        scored = labels != CAMVID.ignore_id
        confusion += confusion_matrix(pred[scored], labels[scored], k)
    keep = [i for i in range(k) if i != CAMVID.ignore_id]
    return iou_table(confusion[np.ix_(keep, keep)], tuple(CAMVID.class_names[i] for i in keep))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segmenter", type=Path, default=Path("pretrained/camvid-seg.safetensors"))
    parser.add_argument("--camvid", type=Path, default=data_root() / "camvid")
    parser.add_argument("--cityscapes", type=Path, default=data_root() / "cityscapes_sample")
    parser.add_argument("--strengths", default="0,0.25,0.5,0.75,1")
    args = parser.parse_args()
    torch.set_num_threads(2)
    segmenter = load_segmenter(args.segmenter)
    weights = training_class_weights(args.camvid)
    sets = {
        "CamVid val": scores(segmenter, labelled_frames("camvid", args.camvid, "val", "camvid", CAMVID)),
        "Cityscapes sample": scores(
            segmenter, labelled_frames("cityscapes", args.cityscapes, "train", "cityscapes", CAMVID, size=(1024, 512))
        ),
    }
    header = " | ".join(f"{name}: mIoU / acc / {' / '.join(c.lower()[:4] for c in SHOWN)}" for name in sets)
    print(f"| strength | {header} |\n|---|" + "---|" * len(sets))
    for strength in (float(s) for s in args.strengths.split(",")):
        bias = logit_adjustment(weights, strength)
        cells = []
        for cached in sets.values():
            t = table_for(cached, bias)
            cells.append(
                f"{100 * t['miou']:.1f} / {100 * t['pixel_acc']:.1f} / "
                + " / ".join(f"{100 * t['per_class'][c]:.1f}" for c in SHOWN)
            )
        print(f"| {strength:g} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
