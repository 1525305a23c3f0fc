"""selgan command line: compress, decompress, info, models, train, export, eval, bench, segment, app."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from selgan.errors import SelganError


def main(argv: list[str] | None = None) -> int:
    """Entry point; user errors print one line on stderr and return 2."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    # Dotted overrides may follow options (`selgan train CFG --out D optim.steps=9`), which argparse
    # cannot split itself; anything else unknown is an error as usual.
    if extra and getattr(args, "run", None) is _train and all("=" in e and not e.startswith("-") for e in extra):
        args.overrides += extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.run(args)
    except SelganError as exc:
        print(f"selgan: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("selgan: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="selgan", description="Selective generative image compression.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("compress", help="images -> .sgc files")
    p.add_argument("inputs", nargs="+", type=Path, metavar="IN")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file (one input) or folder")
    p.add_argument("--model", default=None, help="pretrained model name (default: the manifest's default codec)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--preserve", help="comma-separated classes to keep faithfully, e.g. car,pedestrian; "
                                          "'default': the model's own set")
    group.add_argument("--mask", type=Path, help="painted preserve mask (PNG, nonzero = keep)")
    group.add_argument("--max-bytes", help="byte budget per file: the most preserving file that fits "
                                           "(classes in --priority order, then the whole image)")
    group.add_argument("--target-bpp", help="budget in bits per pixel of each image, instead of --max-bytes")
    p.add_argument("--priority", help="with a budget: comma-separated classes in the order they are kept "
                                      "(default: the selective model's own, e.g. pedestrian,bicyclist,car,…)")
    p.add_argument("--labels", type=Path, help="label PNG (one input) or folder of label PNGs named like the inputs")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthesised texture")
    p.set_defaults(run=_compress)

    p = sub.add_parser("decompress", help=".sgc file -> image")
    p.add_argument("input", type=Path, metavar="IN.sgc")
    p.add_argument("-o", "--output", type=Path, required=True, help="output image (PNG)")
    p.set_defaults(run=_decompress)

    p = sub.add_parser("info", help="print a .sgc header and bytes per stream without decoding")
    p.add_argument("input", type=Path, metavar="IN.sgc")
    p.set_defaults(run=_info)

    p = sub.add_parser("models", help="list pretrained models")
    p.set_defaults(run=_models)

    p = sub.add_parser("train", help="train a codec (GC/SC) with the conditional GAN objective")
    p.add_argument("config", nargs="?", help="YAML preset, e.g. configs/camvid_sc_c4.yaml")
    p.add_argument("overrides", nargs="*", help="section.key=value, e.g. optim.steps=2000 data.crop=192")
    p.add_argument("--out", type=Path, required=True, help="run folder (checkpoint.pt, log.jsonl, tensorboard/)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--init", help="start from another run's checkpoint (codec weights and step), "
                   "or from shipped weights: a .safetensors file or a model name (step 0, new discriminator)")
    p.add_argument("--minutes", type=float, default=float("inf"), help="stop (and checkpoint) after this wall time")
    p.set_defaults(run=_train)

    p = sub.add_parser("export", help="checkpoint -> shipped safetensors, model card and manifest entry")
    p.add_argument("checkpoint", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="pretrained/NAME")
    p.add_argument("--data", type=Path, help="dataset root for fitting tables and measuring (default: the run's)")
    p.add_argument("--layout", choices=["camvid", "cityscapes", "folder"], help="its layout (default: the run's)")
    p.add_argument("--val-split", help="split measured for the card (default: the run's)")
    p.add_argument("--description", default="")
    p.add_argument("--segmenter", default=None, help="zoo segmenter the codec uses when no labels are given")
    p.add_argument("--eval-images", type=int, default=20)
    p.add_argument("--preserve", default="",
                   help="selective models: their default preserve set (preserve='default'), also measured in the card")
    p.set_defaults(run=_export)

    p = sub.add_parser("eval", help="selgan vs baseline codecs at the same file size, on real files")
    p.add_argument("--model", default=None)
    p.add_argument("--data", type=Path, required=True, help="dataset root (see --layout), or a folder of images")
    p.add_argument("--layout", default="camvid", choices=["camvid", "cityscapes", "folder", "images"],
                   help="camvid (SPLIT/ + SPLITannot/), cityscapes (leftImg8bit/ + gtFine/), folder (images/ + "
                        "labels/), or images: photos without labels (the model's segmenter labels them)")
    p.add_argument("--split", default="val")
    p.add_argument("--label-vocab", default=None, help="vocabulary of the label files (default: cityscapes for the "
                                                       "cityscapes layout, else the model's); mapped to the model's")
    p.add_argument("--size", help="resize every image (and its labels) to WxH first, e.g. 1024x512")
    p.add_argument("--labels", type=Path, help="folder of label PNGs named like the images in --data")
    p.add_argument("--preserve", help="comma-separated classes (selective mode); default: global")
    p.add_argument("--baselines", default="jpeg,webp,avif,heic,jxl,jpeg2k")
    p.add_argument("--scales", default="1,2,4", help="baseline resolutions 1/s (Lanczos down before, up after)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--stride", type=int, default=1, help="every Nth image (a spread-out subset of a video split)")
    p.add_argument("--offset", type=int, default=0,
                   help="start at this image: --stride 4 --offset 2 is a subset disjoint from --stride 4")
    p.add_argument("--global-reference", metavar="MODEL",
                   help="also code each image globally with MODEL: its bytes and PSNR in the preserved region")
    p.add_argument("--max-bytes", help="comma-separated byte budgets: evaluate rate control (selgan chooses what to "
                                       "preserve) against the baselines at each budget, e.g. 200,400,800,1600")
    p.add_argument("--no-segmenter", action="store_true", help="skip semantic preservation (mIoU)")
    p.add_argument("--no-kid", action="store_true", help="skip KID/FID (Inception features of every reconstruction)")
    p.add_argument("--curve-images", type=int, default=10, help="images for the baselines' quality sweep (0: none)")
    p.add_argument("--out", type=Path, required=True, help="report folder")
    p.set_defaults(run=_eval)

    p = sub.add_parser("bench", help="time and memory per stage at 480×360 … 3840×2160; FLOPs vs this machine")
    p.add_argument("--model", default=None)
    p.add_argument("--image", type=Path, default=None, help="source image (default: the bundled demo scene)")
    p.add_argument("--sizes", default="480x360,1024x512,2048x1024,3840x2160")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--no-segmenter", action="store_true")
    p.add_argument("--json", type=Path, default=None)
    p.set_defaults(run=_bench)

    p = sub.add_parser("segment", help="images -> label PNGs and colour overlays")
    p.add_argument("inputs", nargs="+", type=Path, metavar="IN")
    p.add_argument("-o", "--output", type=Path, required=True, help="output folder")
    _segmenter_options(p)
    p.add_argument("--vocab", help="write labels in this vocabulary (e.g. camvid), mapping if needed")
    p.set_defaults(run=_segment)

    p = sub.add_parser("app", help="the Gradio app in your browser (needs selgan[app])")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="also publish a temporary public gradio.live link")
    p.add_argument("--max-pixels", type=int, default=2_100_000, help="larger uploads are downscaled to this area")
    p.add_argument("--concurrency", type=_at_least_one, default=1, metavar="N",
                   help="jobs that run at once (default 1; each uses all cores through torch, so raise it only on "
                        "machines with many cores, e.g. 4 on 32); waiting users see their place in the queue")
    p.set_defaults(run=_app)

    p = sub.add_parser("eval-seg", help="per-class IoU, mIoU, pixel accuracy and time per frame on a labelled dataset")
    p.add_argument("--data", type=Path, required=True, help="dataset root (see --layout)")
    p.add_argument("--layout", default="camvid", choices=["camvid", "cityscapes", "folder"])
    p.add_argument("--split", default="val")
    p.add_argument("--size", help="resize every image (and its labels) to WxH first, e.g. 1024x512")
    p.add_argument("--vocab", default="camvid", help="vocabulary scored in (ground truth and predictions are mapped to it)")
    p.add_argument("--limit", type=int, default=None)
    _segmenter_options(p)
    p.set_defaults(run=_eval_seg)
    return parser


def _train(args: argparse.Namespace) -> int:
    from selgan.train.run import train_main

    if args.config and "=" in args.config:  # only overrides were given
        args.overrides.insert(0, args.config)
        args.config = None
    return train_main(args.config, args.out, args.overrides, args.resume, args.minutes, args.init)


def _export(args: argparse.Namespace) -> int:
    from selgan.train.export import export_checkpoint

    data = {k: v for k, v in (("root", args.data and str(args.data)), ("layout", args.layout),
                              ("val_split", args.val_split)) if v}
    export_checkpoint(args.checkpoint, args.output.parent, args.output.name, data, args.description,
                      args.segmenter, args.eval_images, tuple(c.strip() for c in args.preserve.split(",") if c.strip()))
    return 0


def _eval(args: argparse.Namespace) -> int:
    import selgan
    from selgan.eval.baselines import baseline_names, get_baseline
    import json

    from selgan.eval.evaluate import Sample, quality_sweep, run_eval, write_report
    from selgan.eval.plots import crop_grid, rd_plots
    from selgan.imageio import load_rgb
    from selgan.segment import get_segmenter
    import numpy as np
    from PIL import Image

    from selgan.labels.vocab import get_mapping
    from selgan.segment.labelfile import check_labels

    baselines = [b for b in args.baselines.split(",") if b]
    unknown = [b for b in baselines if b not in baseline_names()]
    if unknown:
        raise SelganError(f"unknown baseline(s) {', '.join(unknown)}; choose from {', '.join(baseline_names())}")
    for b in baselines:
        get_baseline(b)  # a learned baseline without weights: say so before any work
    name = args.model or _default_model()
    codec = selgan.load(name)
    pairs = _eval_pairs(args)
    if args.stride < 1 or args.offset < 0:
        raise SelganError("--stride must be at least 1 and --offset at least 0")
    pairs = pairs[args.offset :: args.stride][: args.limit]
    if not pairs:
        raise SelganError(f"no images to evaluate in {args.data} (split {args.split!r}, offset {args.offset})")
    segmenter = None if args.no_segmenter or codec.segmenter is None else get_segmenter("builtin", name=codec.segmenter)
    preserve = codec.expand_preserve(args.preserve or None)
    scales = [int(s) for s in args.scales.split(",")]
    size = _size_option(args.size)
    label_vocab = args.label_vocab or ("cityscapes" if args.layout == "cityscapes" else codec.model.vocab.name)
    mapping = get_mapping(label_vocab, codec.model.vocab.name)

    def samples():
        for image_path, label_path in _progress(pairs) if len(pairs) > 1 else pairs:
            image = Image.open(image_path).convert("RGB")
            labels = None if label_path is None else Image.open(label_path)
            if size:
                image = image.resize(size, Image.BICUBIC)
                labels = None if labels is None else labels.resize(size, Image.NEAREST)
            if labels is not None:
                labels = check_labels(mapping(np.asarray(labels).astype(np.int64)), codec.model.vocab, image.size,
                                      source=str(label_path))
            yield Sample(image_path.stem, np.asarray(image), labels)

    if args.max_bytes:
        return _eval_budgets(args, codec, samples, baselines, scales, segmenter, len(pairs))
    reference = selgan.load(args.global_reference) if args.global_reference else None
    rows, summary, gallery = run_eval(codec, samples(), preserve, baselines, scales, segmenter, not args.no_kid, reference)
    mode = f"selective, preserving {','.join(preserve)}" if preserve else "global"
    report = write_report(args.out, rows, summary, f"{name} ({mode}) on {len(pairs)} images of {args.data}")
    curves = quality_sweep([load_rgb(p) for p, _ in pairs[: args.curve_images]], baselines, scales) if args.curve_images else []
    (args.out / "curves.json").write_text(json.dumps(curves, indent=1))
    rd_plots(summary, args.out / "rate_distortion.png", f"{name} ({mode})", curves)
    crop_grid(gallery, args.out / "crops.png")
    print(report.read_text())
    return 0


def _eval_pairs(args: argparse.Namespace) -> list:
    """(image, label file or None) pairs for `selgan eval`, by --layout (or --labels beside a folder of images)."""
    from selgan.datasets import LAYOUTS, unlabelled_pairs

    if args.labels:
        return [(image, _labels_for(image, args.labels, several=True)) for image, _ in unlabelled_pairs(args.data)]
    if args.layout == "images":
        return unlabelled_pairs(args.data)
    return LAYOUTS[args.layout](args.data, args.split)


def _size_option(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise SelganError(f"--size must look like 1024x512, got {value!r}") from None
    if width < 1 or height < 1:
        raise SelganError(f"--size must be positive, got {value!r}")
    return width, height


def _eval_budgets(args: argparse.Namespace, codec, samples, baselines, scales, segmenter, count: int) -> int:
    """`selgan eval --max-bytes A,B,…`: one report per budget and a rate–quality table and plot across them."""
    import json

    from selgan.eval.evaluate import run_eval, write_report
    from selgan.eval.plots import budget_plot

    try:
        budgets = sorted({int(b) for b in args.max_bytes.split(",") if b.strip()})
    except ValueError:
        raise SelganError(f"--max-bytes must be whole numbers of bytes separated by commas, got {args.max_bytes!r}") from None
    if not budgets or budgets[0] < 1:
        raise SelganError("--max-bytes needs at least one positive budget")
    sweep = {}
    for budget in budgets:
        rows, summary, _ = run_eval(codec, samples(), None, baselines, scales, segmenter, not args.no_kid, max_bytes=budget)
        write_report(args.out / f"budget_{budget}", rows, summary,
                     f"{codec.model_id} rate control at {budget} bytes on {count} images of {args.data}")
        sweep[budget] = summary
    lines = [f"# Rate control ({codec.model_id} and its siblings) against the baselines at the same budgets",
             "", "| budget B | codec | fits | bpp | psnr | msssim | miou_gt | kid |", "|---|---|---|---|---|---|---|---|"]
    for budget, summary in sweep.items():
        for entry in summary:
            cells = [entry.get(k) for k in ("fits", "bpp", "psnr", "msssim", "miou_gt", "kid")]
            lines.append(f"| {budget} | {entry['codec']} | " + " | ".join(
                "—" if v is None else (f"{v:.4f}" if isinstance(v, float) and abs(v) < 1 else
                                       f"{v:.2f}" if isinstance(v, float) else str(v)) for v in cells) + " |")
    (args.out / "budget_sweep.md").write_text("\n".join(lines) + "\n")
    (args.out / "budget_sweep.json").write_text(json.dumps(sweep, indent=1))
    budget_plot(sweep, args.out / "rate_quality.png", codec.model_id)
    print("\n".join(lines))
    return 0


def _bench(args: argparse.Namespace) -> int:
    import selgan
    from selgan.demo import DEMO_IMAGE
    from selgan.eval.bench import format_bench, run_bench, write_bench
    from selgan.segment import get_segmenter

    try:
        sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    except ValueError:
        raise SelganError(f"--sizes must look like 480x360,1024x512, got {args.sizes!r}") from None
    codec = selgan.load(args.model or _default_model())
    segmenter = None if args.no_segmenter or codec.segmenter is None else get_segmenter("builtin", name=codec.segmenter)
    result = run_bench(codec, segmenter, args.image or DEMO_IMAGE, sizes, args.runs)
    print(format_bench(result))
    if args.json:
        write_bench(result, args.json)
    return 0


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

    from selgan.imageio import load_rgb, save_png_atomic
    from selgan.segment.labelfile import SEGMENT_SUFFIX

    segmenter = _make_segmenter(args)
    args.output.mkdir(parents=True, exist_ok=True)
    inputs = _progress(args.inputs)
    for path in inputs:
        segmap = segmenter.segment(path)
        if args.vocab:
            segmap = segmap.to_vocabulary(args.vocab)
        save_png_atomic(args.output / f"{path.stem}{SEGMENT_SUFFIX}.png", Image.fromarray(segmap.labels.astype("uint8"), mode="L"))
        save_png_atomic(args.output / f"{path.stem}_overlay.png", segmap.overlay(load_rgb(path)))
        shares = ", ".join(f"{c.name} {100 * c.share:.0f}%" for c in segmap.classes_present()[:6])
        (inputs.write if hasattr(inputs, "write") else print)(f"{path}: {shares}")
    return 0


def load_app_module():
    """apps/gradio_app.py of this source tree, imported as a module (it is not part of the wheel)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "apps" / "gradio_app.py"
    if not path.exists():
        raise SelganError(f"the app is not installed ({path} is missing): run it from a selgan source checkout")
    if importlib.util.find_spec("gradio") is None:
        raise SelganError("the app needs Gradio: pip install 'selgan[app]'")
    name = "selgan_gradio_app"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def _at_least_one(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _app(args: argparse.Namespace) -> int:
    load_app_module().main(args.host, args.port, args.share, args.max_pixels, args.concurrency)
    return 0


def _eval_seg(args: argparse.Namespace) -> int:
    """Labels are read in --label-vocab (cityscapes for the cityscapes layout unless given) and scored in --vocab."""
    import itertools

    from selgan.segment import get_vocabulary
    from selgan.segment.evaluate import evaluate_segmenter, format_table, labelled_frames

    label_vocab = "cityscapes" if args.layout == "cityscapes" and args.label_vocab == "camvid" else args.label_vocab
    vocab = get_vocabulary(args.vocab)
    frames = labelled_frames(args.layout, args.data, args.split, label_vocab, vocab, _size_option(args.size))
    result = evaluate_segmenter(_make_segmenter(args), itertools.islice(frames, args.limit), vocab)
    print(format_table(result))
    print(f"\n{result['images']} images, {1000 * result['seconds_per_image']:.0f} ms per image (median)")
    return 0


def _compress(args: argparse.Namespace) -> int:
    import selgan
    from selgan.imageio import write_atomic

    name = args.model or _default_model()
    codec = selgan.load(name)
    several = len(args.inputs) > 1 or args.output.is_dir()
    if several:
        if args.output.exists() and not args.output.is_dir():
            raise SelganError(f"{args.output}: with several inputs, -o must be a folder")
        args.output.mkdir(parents=True, exist_ok=True)
    elif not args.output.parent.is_dir():
        raise SelganError(f"{args.output.parent}: no such folder")
    preserve = codec.expand_preserve(args.preserve or None)
    budget = _budget_options(args)
    inputs = _progress(args.inputs)
    for path in inputs:
        labels = _labels_for(path, args.labels, several)
        start = time.perf_counter()
        bitstream = codec.compress(path, preserve=preserve, mask=args.mask, labels=labels, seed=args.seed, **budget)
        data = bitstream.to_bytes()
        target = args.output / f"{path.stem}.sgc" if several else args.output
        write_atomic(target, data)
        sizes = " ".join(f"{k}={v}" for k, v in bitstream.stream_sizes().items())
        line = f"{target}: {len(data)} bytes, {bitstream.bpp:.4f} bpp ({sizes}) in {time.perf_counter() - start:.2f}s"
        if budget:
            line += f"; {bitstream.model_id}, preserved: {_preserved_description(bitstream)}"
        (inputs.write if hasattr(inputs, "write") else print)(line)
    return 0


def _budget_options(args: argparse.Namespace) -> dict:
    """--max-bytes / --target-bpp / --priority as compress() keywords; one clear error for a bad value."""
    if args.priority and not (args.max_bytes or args.target_bpp):
        raise SelganError("--priority orders what a budget keeps: give --max-bytes or --target-bpp too")
    options: dict = {}
    if args.max_bytes is not None:
        if not args.max_bytes.strip().isdigit():
            raise SelganError(f"--max-bytes must be a whole number of bytes, got {args.max_bytes!r}")
        options["max_bytes"] = int(args.max_bytes)
    if args.target_bpp is not None:
        try:
            options["target_bpp"] = float(args.target_bpp)
        except ValueError:
            raise SelganError(f"--target-bpp must be a number of bits per pixel, got {args.target_bpp!r}") from None
    if options and args.priority:
        options["priority"] = [c.strip() for c in args.priority.split(",") if c.strip()]
    return options


def _preserved_description(bitstream) -> str:
    import selgan

    if bitstream.mode == 0:
        return "the whole image"
    names = selgan.load(bitstream.model_id).class_names
    return ", ".join(names[i] for i in bitstream.preserved_classes) or "nothing (the label map only)"


def _labels_for(image: Path, labels: Path | None, several: bool) -> Path | None:
    if labels is None:
        return None
    from selgan.segment.labelfile import SEGMENT_SUFFIX, label_path_for

    if labels.is_dir():
        candidate = label_path_for(image, labels)
        if not candidate.is_file():
            raise SelganError(f"{labels}: no label file {image.stem}.png or {image.stem}{SEGMENT_SUFFIX}.png for {image}")
        return candidate
    if several:
        raise SelganError("with several inputs, --labels must be a folder of label PNGs named like the inputs")
    return labels


def _decompress(args: argparse.Namespace) -> int:
    import selgan
    from selgan.imageio import save_png_atomic

    if not args.output.parent.is_dir():
        raise SelganError(f"{args.output.parent}: no such folder")
    start = time.perf_counter()
    image = selgan.decompress(args.input)
    save_png_atomic(args.output, image)
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
    print(f"mode:     {bs.mode.name.lower()}" + (f", preserved class ids {list(bs.preserved_classes)}" if bs.preserved_classes else ""))
    print(f"seed:     {bs.seed}")
    for name, size in bs.stream_sizes().items():
        print(f"  {name:<8} {size:>7} bytes  {size * 8 / (bs.width * bs.height):.4f} bpp")
    return 0


def _models(args: argparse.Namespace) -> int:
    from selgan.zoo import specs

    for spec in specs().values():
        print(f"{spec.name:<16} {spec.kind:<10} {spec.description}")
    return 0


def _default_model() -> str:
    from selgan.zoo import default_codec

    return default_codec()


def _progress(items: list[Path]):
    if len(items) < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, unit="image", file=sys.stderr)
