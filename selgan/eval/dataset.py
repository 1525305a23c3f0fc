"""`selgan eval` as a library: a dataset's images through selgan and the baselines at the same bytes.

`evaluate(EvalSpec(...))` writes the report folder (tables, per-image rows, plots, crops) and returns what
it measured; the CLI only turns its options into an EvalSpec and prints the report, and benchmarks call
`evaluate` directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from selgan.api import Codec, shared
from selgan.baselines import baseline_names, get_baseline
from selgan.datasets import LAYOUTS, Pair, read_frame, unlabelled_pairs
from selgan.errors import SelganError
from selgan.eval.evaluate import Sample, quality_sweep, run_eval
from selgan.eval.report import format_value, write_report
from selgan.labels.vocab import get_mapping
from selgan.segment import get_segmenter
from selgan.segment.labelfile import check_labels, label_file_in

LAYOUT_CHOICES = ("camvid", "cityscapes", "folder", "images")


@dataclass(frozen=True)
class EvalSpec:
    """What to evaluate: a model on a dataset, against baselines at the same bytes (see `selgan eval --help`)."""

    data: Path
    out: Path
    model: str | None = None  # None: the manifest's default codec
    layout: str = "camvid"  # camvid | cityscapes | folder | images (photos without labels)
    split: str = "val"
    label_vocab: str | None = None  # of the label files; None: cityscapes for that layout, else the model's
    size: tuple[int, int] | None = None  # resize every image (and its labels) to (width, height) first
    labels: Path | None = None  # a folder of label PNGs named like the images in data
    preserve: str | None = None  # a preserve argument (selective mode); None: global
    baselines: tuple[str, ...] = ("jpeg", "webp", "avif", "heic", "jxl", "jpeg2k")
    scales: tuple[int, ...] = (1, 2, 4)
    limit: int | None = None
    stride: int = 1
    offset: int = 0
    global_reference: str | None = None  # also code each image globally with this model
    max_bytes: tuple[int, ...] = ()  # byte budgets: evaluate rate control instead of a preserve set
    segmenter: bool = True  # semantic preservation (mIoU) with the model's segmenter
    kid: bool = True
    curve_images: int = 10
    effort: str = "fast"  # compress's encode effort (selgan.codec.refine.EFFORTS)


@dataclass
class EvalReport:
    """What `evaluate` wrote: the summary rows (one list per budget when budgets were given) and the Markdown."""

    summary: list[dict] | dict[int, list[dict]]
    markdown: str
    images: int
    rows: list[dict] = field(default_factory=list)


def evaluate(spec: EvalSpec) -> EvalReport:
    """Run the evaluation described by spec; SelganError for anything wrong with it, before any work."""
    for name in spec.baselines:
        get_baseline(name)  # unknown names, or a learned baseline without weights: say so now
    from selgan.zoo import default_codec

    codec = shared(spec.model or default_codec())
    if spec.stride < 1 or spec.offset < 0:
        raise SelganError("--stride must be at least 1 and --offset at least 0")
    pairs = eval_pairs(spec)[spec.offset :: spec.stride][: spec.limit]
    if not pairs:
        raise SelganError(f"no images to evaluate in {spec.data} (split {spec.split!r}, offset {spec.offset})")
    segmenter = get_segmenter("builtin", name=codec.segmenter) if spec.segmenter and codec.segmenter else None
    if spec.max_bytes:
        return _budgets(spec, codec, pairs, segmenter)
    reference = shared(spec.global_reference) if spec.global_reference else None
    preserve = spec.preserve or None
    rows, summary, gallery = run_eval(
        codec,
        samples(spec, codec, pairs),
        preserve,
        spec.baselines,
        spec.scales,
        segmenter,
        spec.kid,
        reference,
        effort=spec.effort,
    )
    chosen = codec.preserve_set(preserve)
    mode = (
        "global"
        if chosen.whole
        else f"selective, preserving {','.join(codec.class_names[i].lower() for i in chosen.classes) or 'nothing'}"
    )
    report = write_report(spec.out, rows, summary, f"{codec.model_id} ({mode}) on {len(pairs)} images of {spec.data}")
    from selgan.eval.plots import crop_grid, rd_plots
    from selgan.imageio import load_rgb

    curve_images = [load_rgb(p) for p, _ in pairs[: spec.curve_images]]
    curves = quality_sweep(curve_images, spec.baselines, spec.scales) if curve_images else []
    (spec.out / "curves.json").write_text(json.dumps(curves, indent=1))
    rd_plots(summary, spec.out / "rate_distortion.png", f"{codec.model_id} ({mode})", curves)
    crop_grid(gallery, spec.out / "crops.png")
    return EvalReport(summary, report.read_text(), len(pairs), rows)


def eval_pairs(spec: EvalSpec) -> list[Pair]:
    """(image, label file or None) pairs by layout (or a folder of labels beside a folder of images)."""
    if spec.layout not in LAYOUT_CHOICES:
        raise SelganError(f"unknown layout {spec.layout!r}; choose from {', '.join(LAYOUT_CHOICES)}")
    if spec.labels:
        return [(image, label_file_in(image, spec.labels)) for image, _ in unlabelled_pairs(spec.data)]
    if spec.layout == "images":
        return unlabelled_pairs(spec.data)
    return LAYOUTS[spec.layout](spec.data, spec.split)


def samples(spec: EvalSpec, codec: Codec, pairs: list[Pair]) -> Iterator[Sample]:
    """Each pair read, resized to spec.size and its labels mapped into the codec's vocabulary (with a progress bar)."""
    label_vocab = spec.label_vocab or ("cityscapes" if spec.layout == "cityscapes" else codec.model.vocab.name)
    mapping = get_mapping(label_vocab, codec.model.vocab.name)
    for image_path, label_path in _progress(pairs):
        rgb, labels = read_frame(image_path, label_path, mapping, spec.size)
        if labels is not None:
            labels = check_labels(labels, codec.model.vocab, (rgb.shape[1], rgb.shape[0]), source=str(label_path))
        yield Sample(image_path.stem, rgb, labels)


def _progress(pairs: list[Pair]):
    if len(pairs) < 2:
        return pairs
    import sys

    from tqdm import tqdm

    return tqdm(pairs, unit="image", file=sys.stderr)


def _budgets(spec: EvalSpec, codec: Codec, pairs: list[Pair], segmenter) -> EvalReport:
    """One report per budget and a rate–quality table and plot across them."""
    from selgan.eval.plots import budget_plot

    if min(spec.max_bytes) < 1:
        raise SelganError("--max-bytes needs positive budgets")
    sweep = {}
    for budget in sorted(set(spec.max_bytes)):
        rows, summary, _ = run_eval(
            codec,
            samples(spec, codec, pairs),
            None,
            spec.baselines,
            spec.scales,
            segmenter,
            spec.kid,
            max_bytes=budget,
            effort=spec.effort,
        )
        write_report(
            spec.out / f"budget_{budget}",
            rows,
            summary,
            f"{codec.model_id} rate control at {budget} bytes on {len(pairs)} images of {spec.data}",
        )
        sweep[budget] = summary
    lines = [
        f"# Rate control ({codec.model_id} and its siblings) against the baselines at the same budgets",
        "",
        "| budget B | codec | fits | bpp | psnr | msssim | miou_gt | kid |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for budget, summary in sweep.items():
        for entry in summary:
            cells = [entry.get(k) for k in ("fits", "bpp", "psnr", "msssim", "miou_gt", "kid")]
            lines.append(f"| {budget} | {entry['codec']} | " + " | ".join(format_value(v) for v in cells) + " |")
    markdown = "\n".join(lines) + "\n"
    (spec.out / "budget_sweep.md").write_text(markdown)
    (spec.out / "budget_sweep.json").write_text(json.dumps(sweep, indent=1))
    budget_plot(sweep, spec.out / "rate_quality.png", codec.model_id)
    return EvalReport(sweep, markdown, len(pairs))


__all__ = ["EvalReport", "EvalSpec", "baseline_names", "eval_pairs", "evaluate", "samples"]
