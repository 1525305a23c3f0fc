"""Scoring a segmenter on a labelled dataset: per-class IoU, mIoU, pixel accuracy, time per image."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from selgan.labels.vocab import Vocabulary, get_mapping
from selgan.segment.base import Segmenter
from selgan.segment.calibration import Reliability
from selgan.segment.labelfile import read_label_png
from selgan.segment.metrics import confusion_matrix, iou_table


def evaluate_segmenter(
    segmenter: Segmenter, pairs: Iterable[tuple[Path | np.ndarray, Path | np.ndarray]], vocab: Vocabulary
) -> dict:
    """Pairs of (image, ground-truth labels in `vocab`); predictions are mapped into `vocab` when needed.

    The time per image is the segmenter's whole call, so for an image given as a path it includes reading it."""
    k = vocab.num_classes
    confusion = np.zeros((k, k), dtype=np.int64)
    reliability = Reliability()
    seconds = []
    for image, target in pairs:
        if not isinstance(target, np.ndarray):
            target = read_label_png(target, vocab)
        start = time.perf_counter()
        segmap = segmenter.segment(image).to_vocabulary(vocab.name)
        seconds.append(time.perf_counter() - start)
        scored = target != vocab.ignore_id
        confusion += confusion_matrix(segmap.labels[scored], target[scored], k)
        if segmap.confidence is not None:
            reliability.add(segmap.confidence[scored], segmap.labels[scored] == target[scored])
    keep = [i for i in range(k) if i != vocab.ignore_id]
    table = iou_table(confusion[np.ix_(keep, keep)], tuple(vocab.class_names[i] for i in keep))
    table["seconds_per_image"] = float(np.median(seconds)) if seconds else 0.0
    table["images"] = len(seconds)
    if reliability.count.any():  # segmenters that give a confidence: is it calibrated, does it flag its errors?
        table["calibration"] = reliability.summary()
    return table


def labelled_frames(
    layout: str, root: str | Path, split: str, label_vocab: str, vocab: Vocabulary, size: tuple[int, int] | None = None
) -> Iterator[tuple[Path | np.ndarray, np.ndarray]]:
    """(image, labels in `vocab`) for every pair of a dataset, label-file ids mapped from `label_vocab`.

    The image is its path when no size is given (so a segmenter that reads files, like the label-file
    backend, can find it); with size=(width, height) both are resized (image: bicubic, labels: nearest)
    and the image is an RGB array."""
    from PIL import Image

    from selgan.datasets import LAYOUTS, read_frame

    mapping = get_mapping(label_vocab, vocab.name)
    for image_path, label_path in LAYOUTS[layout](root, split):
        if size is None:
            yield Path(image_path), mapping(np.asarray(Image.open(label_path)).astype(np.int64))
        else:
            yield read_frame(image_path, label_path, mapping, size)


def degraded_frames(
    frames: Iterable[tuple[Path | np.ndarray, np.ndarray]], condition: str
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The frames under a simulated condition (selgan.degrade: night, dusk, rain), frame i always drawn from
    seed (0, i), so every machine scores the same images."""
    from selgan.degrade import degrade
    from selgan.imageio import load_rgb

    for index, (image, labels) in enumerate(frames):
        yield degrade(load_rgb(image), condition, np.random.default_rng([0, index])), labels


def format_calibration(result: dict) -> str:
    """One paragraph: ECE and what the app's "unsure" flag catches (empty for segmenters without confidence)."""
    from selgan.segment.segmap import UNSURE_BELOW

    calibration = result.get("calibration")
    if calibration is None:
        return ""
    unsure = calibration["unsure"][f"{UNSURE_BELOW:.2f}"]
    return (
        f"Calibration: ECE {calibration['ece']:.4f} (15 bins); unsure (confidence below {UNSURE_BELOW}): "
        f"{unsure['flagged']:.1%} of pixels, {unsure['wrong_caught']:.1%} of the wrong ones"
    )


def format_table(result: dict) -> str:
    """Markdown table of per-class IoU plus the summary rows."""
    lines = ["| class | IoU % |", "|---|---|"]
    for name, iou in result["per_class"].items():
        lines.append(f"| {name} | {'—' if iou is None else f'{100 * iou:.1f}'} |")
    lines.append(f"| **mIoU** | **{100 * result['miou']:.1f}** |")
    lines.append(f"| pixel accuracy | {100 * result['pixel_acc']:.1f} |")
    return "\n".join(lines)
