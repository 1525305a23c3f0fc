"""`selgan segment` and `eval-seg`: label maps, and how good they are."""

from __future__ import annotations

import argparse
from pathlib import Path

from selgan.cli.common import progress
from selgan.degrade import CONDITIONS
from selgan.errors import SelganError


def _add_segment(sub) -> None:
    p = sub.add_parser("segment", help="images -> label PNGs and colour overlays")
    p.add_argument("inputs", nargs="+", type=Path, metavar="IN")
    p.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    _segmenter_options(p)
    p.add_argument("--vocab", help="write labels in this vocabulary (e.g. camvid), mapping if needed")
    p.set_defaults(run=_segment)


def _add_eval_seg(sub) -> None:
    p = sub.add_parser("eval-seg", help="per-class IoU, mIoU, pixel accuracy and time per frame on a labelled dataset")
    p.add_argument("--data", type=Path, required=True, help="dataset root (see --layout)")
    p.add_argument("--layout", default="camvid", choices=["camvid", "cityscapes", "folder"])
    p.add_argument("--split", default="val")
    p.add_argument("--size", help="resize every image (and its labels) to WxH first, e.g. 1024x512")
    p.add_argument(
        "--vocab", default="camvid", help="vocabulary scored in (ground truth and predictions are mapped to it)"
    )
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--degrade", choices=list(CONDITIONS), help="score on frames made to look like this")
    _segmenter_options(p)
    p.set_defaults(run=_eval_seg)


def _segmenter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", default="builtin", help="builtin | torchvision:ARCH | detectron2 | file")
    p.add_argument("--weights", type=Path, help="weights file (torchvision, detectron2)")
    p.add_argument("--config", type=Path, help="detectron2 config file")
    p.add_argument("--label-dir", type=Path, help="file backend: folder of label PNGs named like the images")
    p.add_argument("--label-vocab", default="camvid", help="vocabulary of label files (file, detectron2 backends)")


def _make_segmenter(args: argparse.Namespace):
    from selgan.segment import get_segmenter

    options = {"label_vocab": args.label_vocab}
    for key in ("weights", "config", "label_dir"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    return get_segmenter(args.backend, **options)


def _segment(args: argparse.Namespace) -> int:
    from PIL import Image

    from selgan.imageio import load_rgb, save_image_atomic
    from selgan.segment.labelfile import SEGMENT_SUFFIX

    segmenter = _make_segmenter(args)
    args.output.mkdir(parents=True, exist_ok=True)
    inputs = progress(args.inputs)
    for path in inputs:
        segmap = segmenter.segment(path)
        if args.vocab:
            segmap = segmap.to_vocabulary(args.vocab)
        save_image_atomic(
            args.output / f"{path.stem}{SEGMENT_SUFFIX}.png", Image.fromarray(segmap.labels.astype("uint8"), mode="L")
        )
        save_image_atomic(args.output / f"{path.stem}_overlay.png", segmap.overlay(load_rgb(path)))
        shares = ", ".join(f"{c.name} {100 * c.share:.0f}%" for c in segmap.classes_present()[:6])
        (inputs.write if hasattr(inputs, "write") else print)(f"{path}: {shares}")
    return 0


def _eval_seg(args: argparse.Namespace) -> int:
    """Labels are read in --label-vocab (cityscapes for the cityscapes layout unless given) and scored in --vocab."""
    import itertools

    from selgan.datasets import parse_size
    from selgan.segment import get_vocabulary
    from selgan.segment.evaluate import (
        degraded_frames,
        evaluate_segmenter,
        format_calibration,
        format_table,
        labelled_frames,
    )

    label_vocab = "cityscapes" if args.layout == "cityscapes" and args.label_vocab == "camvid" else args.label_vocab
    vocab = get_vocabulary(args.vocab)
    frames = labelled_frames(args.layout, args.data, args.split, label_vocab, vocab, parse_size(args.size))
    frames = itertools.islice(frames, args.limit)
    if args.degrade:
        if args.backend == "file":
            raise SelganError("--degrade needs a segmenter that looks at the image, not the file backend")
        frames = degraded_frames(frames, args.degrade)
    result = evaluate_segmenter(_make_segmenter(args), frames, vocab)
    print(format_table(result))
    print(f"\n{result['images']} images, {1000 * result['seconds_per_image']:.0f} ms per image (median)")
    if calibration := format_calibration(result):
        print(calibration)
    return 0


PARSERS = (_add_segment, _add_eval_seg)
