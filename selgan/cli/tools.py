"""`selgan train`, `export`, `eval`, `bench` and `app`: the commands around the models."""

from __future__ import annotations

import argparse
from pathlib import Path

from selgan.cli.common import at_least_one
from selgan.errors import SelganError


def _add_train(sub) -> None:
    from selgan.train.config import add_trainer_arguments

    p = sub.add_parser("train", help="train a codec (GC/SC) with the conditional GAN objective")
    add_trainer_arguments(p, "configs/camvid_sc_c4.yaml")
    p.add_argument(
        "--init",
        help="start from another run's checkpoint (codec weights and step), "
        "or from shipped weights: a .safetensors file or a model name (step 0, new discriminator)",
    )
    p.add_argument(
        "--init-discriminator",
        type=Path,
        help="with --init: the trained discriminator of a run (python -m selgan.train.checkpoint discriminator "
        "CHECKPOINT OUT.safetensors), so that a continuation keeps its adversary",
    )
    p.set_defaults(run=_train)


def _add_export(sub) -> None:
    p = sub.add_parser("export", help="checkpoint -> shipped safetensors, model card and manifest entry")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="pretrained/NAME")
    p.add_argument("--data", type=Path, help="dataset root for fitting tables and measuring (default: the run's)")
    p.add_argument("--layout", choices=["camvid", "cityscapes", "folder"], help="its layout (default: the run's)")
    p.add_argument("--val-split", help="split measured for the card (default: the run's)")
    p.add_argument("--description", default="")
    p.add_argument("--segmenter", default=None, help="zoo segmenter the codec uses when no labels are given")
    p.add_argument("--eval-images", type=int, default=20)
    p.add_argument(
        "--preserve",
        default="",
        help="selective models: their default preserve set (preserve='default'), also measured in the card",
    )
    p.set_defaults(run=_export)


def _add_eval(sub) -> None:
    p = sub.add_parser("eval", help="selgan vs baseline codecs at the same file size, on real files")
    p.add_argument("--model", default=None)
    p.add_argument("--data", type=Path, required=True, help="dataset root (see --layout), or a folder of images")
    p.add_argument(
        "--layout",
        default="camvid",
        choices=["camvid", "cityscapes", "folder", "images"],
        help="camvid (SPLIT/ + SPLITannot/), cityscapes (leftImg8bit/ + gtFine/), folder (images/ + "
        "labels/), or images: photos without labels (the model's segmenter labels them)",
    )
    p.add_argument("--split", default="val")
    p.add_argument(
        "--label-vocab",
        default=None,
        help="vocabulary of the label files (default: cityscapes for the "
        "cityscapes layout, else the model's); mapped to the model's",
    )
    p.add_argument("--size", help="resize every image (and its labels) to WxH first, e.g. 1024x512")
    p.add_argument("--labels", type=Path, help="folder of label PNGs named like the images in --data")
    p.add_argument("--preserve", help="comma-separated classes (selective mode); default: global")
    p.add_argument("--baselines", default="jpeg,webp,avif,heic,jxl,jpeg2k")
    p.add_argument("--scales", default="1,2,4", help="baseline resolutions 1/s (Lanczos down before, up after)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--stride", type=int, default=1, help="every Nth image (a spread-out subset of a video split)")
    p.add_argument(
        "--offset",
        type=int,
        default=0,
        help="start at this image: --stride 4 --offset 2 is a subset disjoint from --stride 4",
    )
    p.add_argument(
        "--global-reference",
        metavar="MODEL",
        help="also code each image globally with MODEL: its bytes and PSNR in the preserved region",
    )
    p.add_argument(
        "--max-bytes",
        help="comma-separated byte budgets: evaluate rate control (selgan chooses what to "
        "preserve) against the baselines at each budget, e.g. 200,400,800,1600",
    )
    p.add_argument(
        "--effort", choices=("fast", "better", "best"), default="fast", help="compress's encode effort (see compress)"
    )
    p.add_argument("--no-segmenter", action="store_true", help="skip semantic preservation (mIoU)")
    p.add_argument("--no-kid", action="store_true", help="skip KID/FID (Inception features of every reconstruction)")
    p.add_argument("--curve-images", type=int, default=10, help="images for the baselines' quality sweep (0: none)")
    p.add_argument("--out", type=Path, required=True, help="report folder")
    p.set_defaults(run=_eval)


def _add_bench(sub) -> None:
    p = sub.add_parser("bench", help="time and memory per stage at 480×360 … 3840×2160; FLOPs vs this machine")
    p.add_argument("--model", default=None)
    p.add_argument("--image", type=Path, default=None, help="source image (default: the bundled demo scene)")
    p.add_argument("--sizes", default="480x360,1024x512,2048x1024,3840x2160")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--effort-size", default="1024x512", help="the size at which each encode effort is timed (WxH, or none)"
    )
    p.add_argument("--no-segmenter", action="store_true")
    p.add_argument("--json", type=Path, default=None)
    p.set_defaults(run=_bench)


def _add_app(sub) -> None:
    p = sub.add_parser("app", help="the Gradio app in your browser (needs selgan[app])")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="also publish a temporary public gradio.live link")
    p.add_argument("--max-pixels", type=int, default=2_100_000, help="larger uploads are downscaled to this area")
    p.add_argument(
        "--concurrency",
        type=at_least_one,
        default=1,
        metavar="N",
        help="jobs that run at once (default 1; each uses all cores through torch, so raise it only on "
        "machines with many cores, e.g. 4 on 32); waiting users see their place in the queue",
    )
    p.set_defaults(run=_app)


def _train(args: argparse.Namespace) -> int:
    from selgan.train.config import config_and_overrides
    from selgan.train.run import train_main

    config, overrides = config_and_overrides(args)
    return train_main(config, args.out, overrides, args.resume, args.minutes, args.init, args.init_discriminator)


def _export(args: argparse.Namespace) -> int:
    from selgan.train.export import export_checkpoint

    data = {
        k: v
        for k, v in (("root", args.data and str(args.data)), ("layout", args.layout), ("val_split", args.val_split))
        if v
    }
    export_checkpoint(
        args.checkpoint,
        args.output.parent,
        args.output.name,
        data,
        args.description,
        args.segmenter,
        args.eval_images,
        tuple(c.strip() for c in args.preserve.split(",") if c.strip()),
    )
    return 0


def _eval(args: argparse.Namespace) -> int:
    from selgan.eval.dataset import evaluate

    print(evaluate(eval_spec(args)).markdown)
    return 0


def eval_spec(args: argparse.Namespace):
    """`selgan eval`'s options as an EvalSpec (benchmarks parse the same command lines they print)."""
    from selgan.budget import parse_budget
    from selgan.datasets import parse_size
    from selgan.errors import BudgetError
    from selgan.eval.dataset import EvalSpec

    try:
        budgets = tuple(parse_budget(b) for b in (args.max_bytes or "").split(",") if b.strip())
    except BudgetError as exc:
        raise SelganError(f"--max-bytes: {exc}") from None
    if args.max_bytes is not None and not budgets:
        raise SelganError("--max-bytes needs at least one positive budget")
    try:
        scales = tuple(int(s) for s in args.scales.split(","))
    except ValueError:
        raise SelganError(f"--scales must be whole numbers separated by commas, got {args.scales!r}") from None
    return EvalSpec(
        data=args.data,
        out=args.out,
        model=args.model,
        layout=args.layout,
        split=args.split,
        label_vocab=args.label_vocab,
        size=parse_size(args.size),
        labels=args.labels,
        preserve=args.preserve or None,
        baselines=tuple(b for b in args.baselines.split(",") if b),
        scales=scales,
        limit=args.limit,
        stride=args.stride,
        offset=args.offset,
        global_reference=args.global_reference,
        max_bytes=budgets,
        segmenter=not args.no_segmenter,
        kid=not args.no_kid,
        curve_images=args.curve_images,
        effort=args.effort,
    )


def _bench(args: argparse.Namespace) -> int:
    from selgan.codec.refine import MAX_PIXELS
    from selgan.demo import DEMO_IMAGE
    from selgan.eval.bench import format_bench, run_bench, write_bench
    from selgan.pipeline import Pipeline
    from selgan.segment import get_segmenter

    try:
        sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
        effort_size = None if args.effort_size == "none" else tuple(int(v) for v in args.effort_size.split("x"))
    except ValueError:
        raise SelganError(
            f"--sizes and --effort-size look like 480x360,1024x512 and 1024x512 (or none), got {args.sizes!r} and "
            f"{args.effort_size!r}"
        ) from None
    if effort_size is not None and effort_size[0] * effort_size[1] > MAX_PIXELS:  # before minutes of other benches
        raise SelganError(f"--effort-size {args.effort_size} is over the {MAX_PIXELS / 1e6:.1f} MP the efforts take")
    codec = Pipeline(args.model).codec
    segmenter = None if args.no_segmenter or codec.segmenter is None else get_segmenter("builtin", name=codec.segmenter)
    result = run_bench(codec, segmenter, args.image or DEMO_IMAGE, sizes, args.runs, effort_size)
    print(format_bench(result))
    if args.json:
        write_bench(result, args.json)
    return 0


def _app(args: argparse.Namespace) -> int:
    import importlib.util

    if importlib.util.find_spec("gradio") is None:
        raise SelganError("the app needs Gradio: pip install 'selgan[app]'")
    from selgan.app import main as serve

    serve(args.host, args.port, args.share, args.max_pixels, args.concurrency)
    return 0


PARSERS = (_add_train, _add_export, _add_eval, _add_bench, _add_app)
