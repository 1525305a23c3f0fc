"""`selgan compress`, `decompress`, `info`, `compare` and `models`: files in, files out."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from selgan.cli.common import StepBar, progress
from selgan.errors import SelganError


def _add_compress(sub) -> None:
    p = sub.add_parser("compress", help="images -> .sgc files")
    p.add_argument("inputs", nargs="+", type=Path, metavar="IN")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file (one input) or folder")
    p.add_argument("--model", default=None, help="pretrained model name (default: the manifest's default codec)")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--preserve",
        help="comma-separated classes to keep faithfully, e.g. car,pedestrian; or "
        "'default' (the model's own set), 'all' (global), 'nothing' (fully "
        "generative), 'all-but:sky,road'",
    )
    group.add_argument("--mask", type=Path, help="painted preserve mask (PNG, nonzero = keep)")
    group.add_argument(
        "--max-bytes",
        help="byte budget per file (1500, 1.5KB, 2KiB): the most preserving file that fits "
        "(classes in --priority order, then the whole image)",
    )
    group.add_argument("--target-bpp", help="budget in bits per pixel of each image, instead of --max-bytes")
    p.add_argument(
        "--priority",
        help="with a budget: comma-separated classes in the order they are kept "
        "(default: the selective model's own, e.g. pedestrian,bicyclist,car,…)",
    )
    p.add_argument("--labels", type=Path, help="label PNG (one input) or folder of label PNGs named like the inputs")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthesised texture")
    p.add_argument(
        "--guard",
        choices=("warn", "preserve", "off"),
        default="warn",
        help="the synthesis guard: look at each painted region before writing and warn when it does not pass for "
        "the photo (warn, the default), also preserve such regions (preserve), or skip the check (off)",
    )
    p.add_argument(
        "--effort",
        choices=("fast", "better", "best"),
        default="fast",
        help="fast: one encoder pass (the default); better, best: fit the latent to the decoder first "
        "(8 or 20 steps through the generator, a few seconds to tens of seconds per photo; same file size, "
        "decoded as usual; README 'Encode effort')",
    )
    p.add_argument(
        "--metadata",
        choices=("essential", "keep", "strip"),
        default="essential",
        help="the photo's EXIF/XMP/ICC in the file: essential (capture time, GPS, camera; a few dozen bytes; "
        "the default), keep (all of it, compressed) or strip (nothing, for privacy); a budget counts it",
    )
    p.set_defaults(run=_compress)


def _add_decompress(sub) -> None:
    p = sub.add_parser("decompress", help=".sgc file -> image")
    p.add_argument("input", type=Path, metavar="IN.sgc")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output image: PNG, or JPEG/WebP by its extension (lossless WebP, JPEG at quality 95); "
        "the photo's stored metadata is written into it",
    )
    p.set_defaults(run=_decompress)


def _add_info(sub) -> None:
    p = sub.add_parser("info", help="print a .sgc header and bytes per stream without decoding")
    p.add_argument("input", type=Path, metavar="IN.sgc")
    p.set_defaults(run=_info)


def _add_compare(sub) -> None:
    p = sub.add_parser("compare", help="how close a reconstruction or .sgc file comes to its original")
    p.add_argument("original", type=Path)
    p.add_argument("other", type=Path, metavar="RECONSTRUCTION_OR_SGC")
    regions = p.add_mutually_exclusive_group()
    regions.add_argument("--labels", type=Path, metavar="PNG", help="the original's label map: measure regions")
    regions.add_argument("--segment", action="store_true", help="label the original with the model's segmenter")
    p.add_argument(
        "--preserve", default=None, help="classes counted as preserved with --labels/--segment (default: default)"
    )
    p.add_argument("--model", default=None, help="codec whose vocabulary, segmenter and default set are used")
    p.add_argument("--json", action="store_true", help="print one JSON object (for scripts)")
    p.set_defaults(run=_compare)


def _add_models(sub) -> None:
    p = sub.add_parser("models", help="list pretrained models")
    p.set_defaults(run=_models)


def _compress(args: argparse.Namespace) -> int:
    from selgan.imageio import write_atomic
    from selgan.pipeline import Pipeline, preserved_description

    pipeline = Pipeline(args.model)
    several = len(args.inputs) > 1 or args.output.is_dir()
    if several:
        if args.output.exists() and not args.output.is_dir():
            raise SelganError(f"{args.output}: with several inputs, -o must be a folder")
        args.output.mkdir(parents=True, exist_ok=True)
    elif not args.output.parent.is_dir():
        raise SelganError(f"{args.output.parent}: no such folder")
    budget = _budget_options(args)
    preserve = {} if budget else {"preserve": args.preserve or None, "mask": args.mask}
    inputs = progress(args.inputs)
    for path in inputs:
        labels = _labels_for(path, args.labels, several)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bitstream, seconds = pipeline.compress(
                path,
                labels=labels,
                seed=args.seed,
                metadata=args.metadata,
                guard=args.guard,
                effort=args.effort,
                progress=StepBar(f"{path.name}: effort {args.effort}") if args.effort != "fast" else None,
                **preserve,
                **budget,
            )
        for warning in caught:  # named by file: with a folder of inputs, which photo it is matters
            print(f"selgan: warning: {path}: {warning.message}", file=sys.stderr)
        data = bitstream.to_bytes()
        target = args.output / f"{path.stem}.sgc" if several else args.output
        write_atomic(target, data)
        sizes = " ".join(f"{k}={v}" for k, v in bitstream.stream_sizes().items())
        line = f"{target}: {len(data)} bytes, {bitstream.bpp:.4f} bpp ({sizes}) in {seconds:.2f}s"
        if budget:
            line += f"; {bitstream.model_id}, preserved: {preserved_description(bitstream)}"
        (inputs.write if hasattr(inputs, "write") else print)(line)
    return 0


def _budget_options(args: argparse.Namespace) -> dict:
    """--max-bytes / --target-bpp / --priority as compress() keywords; one clear error for a bad value."""
    from selgan.budget import parse_budget
    from selgan.errors import BudgetError

    if args.priority and not (args.max_bytes or args.target_bpp):
        raise SelganError("--priority orders what a budget keeps: give --max-bytes or --target-bpp too")
    options: dict = {}
    if args.max_bytes is not None:
        try:
            options["max_bytes"] = parse_budget(args.max_bytes)
        except BudgetError as exc:
            raise SelganError(f"--max-bytes: {exc}") from None
        if options["max_bytes"] is None:
            raise SelganError("--max-bytes needs a number of bytes (1500) or kilobytes (1.5 KB)")
    if args.target_bpp is not None:
        try:
            options["target_bpp"] = float(args.target_bpp)
        except ValueError:
            raise SelganError(f"--target-bpp must be a number of bits per pixel, got {args.target_bpp!r}") from None
    if options and args.priority:
        options["priority"] = [c.strip() for c in args.priority.split(",") if c.strip()]
    return options


def _labels_for(image: Path, labels: Path | None, several: bool) -> Path | None:
    if labels is None:
        return None
    from selgan.segment.labelfile import label_file_in

    if labels.is_dir():
        return label_file_in(image, labels)
    if several:
        raise SelganError("with several inputs, --labels must be a folder of label PNGs named like the inputs")
    return labels


def _decompress(args: argparse.Namespace) -> int:
    import selgan
    from selgan.imageio import image_format, save_image_atomic
    from selgan.metadata import read_metadata

    if not args.output.parent.is_dir():
        raise SelganError(f"{args.output.parent}: no such folder")
    fmt = image_format(args.output)
    start = time.perf_counter()
    image = selgan.decompress(args.input)
    save_image_atomic(args.output, image, **read_metadata(image).save_options(fmt))
    print(f"{args.output}: {image.width}×{image.height} in {time.perf_counter() - start:.2f}s")
    return 0


def _info(args: argparse.Namespace) -> int:
    from selgan.bitstream import Bitstream
    from selgan.errors import ImageError

    try:
        data = args.input.read_bytes()
    except OSError as exc:
        raise ImageError(f"{args.input}: cannot read ({exc.strerror})") from None
    bs = Bitstream.from_bytes(data)
    print(f"file:     {args.input} ({len(data)} bytes, {bs.bpp:.4f} bpp, format version {bs.version})")
    print(f"model:    {bs.model_id} (weights {bs.weights_hash.hex()})")
    print(f"image:    {bs.width}×{bs.height}")
    print(
        f"mode:     {bs.mode.name.lower()}"
        + (f", preserved class ids {list(bs.preserved_classes)}" if bs.preserved_classes else "")
    )
    print(f"seed:     {bs.seed}")
    for name, size in bs.stream_sizes().items():
        print(f"  {name:<8} {size:>7} bytes  {size * 8 / (bs.width * bs.height):.4f} bpp")
    return 0


_COMPARE_LINES = (  # key, label, format
    ("psnr", "PSNR", "{:.2f} dB"),
    ("psnr_preserved", "  preserved", "{:.2f} dB"),
    ("psnr_synthesised", "  synthesised", "{:.2f} dB"),
    ("psnr_lowfreq", "low-frequency PSNR", "{:.2f} dB"),
    ("psnr_lowfreq_synthesised", "  synthesised", "{:.2f} dB"),
    ("msssim", "MS-SSIM", "{:.4f}"),
    ("msssim_preserved", "  preserved", "{:.4f}"),
    ("msssim_synthesised", "  synthesised", "{:.4f}"),
    ("lpips", "LPIPS", "{:.4f}"),
    ("preserved_share", "preserved share", "{:.1%}"),
    ("bytes", "bytes", "{}"),
    ("bpp", "bpp", "{:.4f}"),
    ("ratio", "ratio to 24-bit", "{:.0f}:1"),
    ("ratio_to_original", "ratio to the original file", "{:.1f}:1"),
)


def _compare(args: argparse.Namespace) -> int:
    import json
    import math

    from selgan.eval.compare import compare

    regions = args.labels is not None or args.segment
    if not regions and (args.preserve is not None or args.model is not None):
        raise SelganError("--preserve and --model choose the regions of --labels or --segment: give one of those")
    result = compare(
        args.original,
        args.other,
        labels=args.labels,
        segment=args.segment,
        preserve=args.preserve or "default",
        model=args.model,
    )
    if args.json:
        print(json.dumps({k: None if isinstance(v, float) and math.isnan(v) else v for k, v in result.items()}))
        return 0
    print(f"{args.other} against {args.original} ({result['width']}×{result['height']})")
    for key, label, fmt in _COMPARE_LINES:
        value = result.get(key)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            print(f"  {label:<28} {fmt.format(value)}")
    return 0


def _models(args: argparse.Namespace) -> int:
    from selgan.zoo import specs

    for spec in specs().values():
        print(f"{spec.name:<16} {spec.kind:<10} {spec.description}")
    return 0


PARSERS = (_add_compress, _add_decompress, _add_info, _add_compare, _add_models)
