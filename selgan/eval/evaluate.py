"""`selgan eval`: selgan files against baseline codecs at the same size, per image and summarised."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from selgan.api import Codec
from selgan.baselines import code_at_budget, get_baseline
from selgan.errors import BudgetError
from selgan.eval.compare import fidelity
from selgan.metrics import miou, msssim, periodic_artefact, periodic_ratio, psnr
from selgan.pipeline import Pipeline, decode
from selgan.segment.base import Segmenter


@dataclass(frozen=True)
class Sample:
    """One image to evaluate, with its ground-truth labels (in the codec's vocabulary)."""

    name: str
    image: np.ndarray
    labels: np.ndarray | None


def image_rows(
    codec: Codec,
    sample: Sample,
    preserve: Sequence[str] | None,
    baselines: Sequence[str],
    scales: Sequence[int],
    segmenter: Segmenter | None,
    global_reference: Codec | None = None,
    max_bytes: int | None = None,
    effort: str = "fast",
) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Metric rows for selgan and every baseline variant on one image, plus the reconstructions.

    global_reference: another model coding the whole image; its file size and its PSNR inside this
    file's preserved region are added to selgan's row (the SC-vs-GC comparison).
    max_bytes: a byte budget instead of a preserve set: selgan chooses what to preserve (rate control),
    and the baselines get the same budget rather than selgan's file size.
    effort: compress's encode effort (selgan.codec.refine.EFFORTS).
    """
    reference = _segment(segmenter, sample.image, codec) if segmenter is not None else None
    if max_bytes is None:
        bitstream = codec.compress(sample.image, preserve=preserve, labels=sample.labels, guard="off", effort=effort)
    else:
        try:
            bitstream = codec.compress(
                sample.image, labels=sample.labels, max_bytes=max_bytes, guard="off", effort=effort
            )
        except BudgetError:
            bitstream = None
    if bitstream is None:
        rows = [{"image": sample.name, "codec": "selgan", "fits": False, "target_bytes": max_bytes}]
        return rows + _baseline_rows(
            sample,
            baselines,
            scales,
            max_bytes,
            np.zeros(sample.image.shape[:2], bool),
            segmenter,
            codec,
            reference,
            {},
        ), {}
    data = bitstream.to_bytes()
    decoded = decode(data)
    recon, mask = decoded.reconstruction, decoded.preserved
    reconstructions = {"selgan": recon}
    rows = [
        {**_row(sample, "selgan", len(data), recon, mask, segmenter, codec, reference), "model": bitstream.model_id}
    ]
    if global_reference is not None:
        other = Pipeline(global_reference).run(sample.image, labels=sample.labels, guard="off")
        other_recon = other.reconstruction
        rows[0]["global_ref_bytes"] = other.num_bytes
        rows[0]["global_ref_psnr_preserved"] = psnr(sample.image, other_recon, mask)
        if segmenter is not None and sample.labels is not None and (~mask).any():
            vocab = codec.model.vocab  # the reference's own picture of what selgan synthesised here
            predicted = _segment(segmenter, other_recon, codec)
            rows[0]["global_ref_miou_gt_synthesised"] = miou(
                predicted[~mask], sample.labels[~mask], vocab.num_classes, vocab.ignore_id
            )
    target = len(data) if max_bytes is None else max_bytes
    rows += _baseline_rows(sample, baselines, scales, target, mask, segmenter, codec, reference, reconstructions)
    return rows, reconstructions


def _baseline_rows(
    sample: Sample,
    baselines: Sequence[str],
    scales: Sequence[int],
    target: int,
    mask: np.ndarray,
    segmenter: Segmenter | None,
    codec: Codec,
    reference: np.ndarray | None,
    reconstructions: dict[str, np.ndarray],
) -> list[dict]:
    """Each baseline variant at its best quality within `target` bytes (reconstructions added to the dict)."""
    rows = []
    for name in baselines:
        for scale in scales:
            result = code_at_budget(get_baseline(name), sample.image, target, scale)
            if result.reconstruction is None:
                rows.append({"image": sample.name, "codec": result.label, "fits": False, "target_bytes": target})
                continue
            reconstructions[result.label] = result.reconstruction
            row = _row(sample, result.label, result.num_bytes, result.reconstruction, mask, segmenter, codec, reference)
            rows.append({**row, "quality": result.quality, "target_bytes": target})
    return rows


def _segment(segmenter: Segmenter, image: np.ndarray, codec: Codec) -> np.ndarray:
    return segmenter.segment(image).to_vocabulary(codec.model.vocab.name).labels


def _row(
    sample: Sample,
    label: str,
    num_bytes: int,
    recon: np.ndarray,
    mask: np.ndarray,
    segmenter: Segmenter | None,
    codec: Codec,
    reference: np.ndarray | None,
) -> dict:
    h, w = sample.image.shape[:2]
    row = {
        "image": sample.name,
        "codec": label,
        "fits": True,
        "bytes": num_bytes,
        "bpp": num_bytes * 8 / (h * w),
        **fidelity(sample.image, recon, mask),
    }
    row.update(
        _periodic_terms(
            sample.image, recon, mask, sample.labels if sample.labels is not None else reference, codec.model.vocab
        )
    )
    if segmenter is not None:
        # Semantic preservation (Agustsson et al.): the segmenter on the reconstruction against the
        # ground truth, and against its own labels of the original.
        predicted, vocab = _segment(segmenter, recon, codec), codec.model.vocab
        if sample.labels is not None:
            row["miou_gt"] = miou(predicted, sample.labels, vocab.num_classes, vocab.ignore_id)
            if (~mask).any():  # what the generator painted from the label map alone
                row["miou_gt_synthesised"] = miou(
                    predicted[~mask], sample.labels[~mask], vocab.num_classes, vocab.ignore_id
                )
        row["miou_self"] = miou(predicted, reference, vocab.num_classes, vocab.ignore_id)
    return row


def _periodic_terms(
    image: np.ndarray, recon: np.ndarray, preserved: np.ndarray, labels: np.ndarray | None, vocab
) -> dict:
    """Periodic-artefact window scores (selgan.metrics.periodic_artefact) per class, inside the synthesised
    region, or over the whole image when nothing is synthesised (global files): 'periodic_windows' holds
    {class: [sum of the original's log scores, the same of the reconstruction's, windows]} for pooling over
    images (periodic_summary), 'periodic' this image's ratio over all its windows. Without labels the whole
    region is one class, 'all'."""
    region = ~preserved if (~preserved).any() else np.ones_like(preserved)
    classes = {"all": region}
    if labels is not None:
        classes = {
            name.lower(): region & (labels == c) for c, name in enumerate(vocab.class_names) if c != vocab.ignore_id
        }
    sums = {}
    for name, where in classes.items():
        original, reconstruction, windows = periodic_artefact(image, recon, where)
        if windows:
            sums[name] = [original, reconstruction, windows]
    if not sums:
        return {}
    totals = [sum(v[i] for v in sums.values()) for i in range(3)]
    return {"periodic": periodic_ratio(*totals), "periodic_windows": sums}


def periodic_summary(rows: list[dict]) -> dict[str, dict]:
    """Per class over the rows: windows, the original's and the reconstruction's geometric mean scores and
    their ratio (pooled over windows, so every window counts once); 'all' pools every class."""
    pooled: dict[str, list[float]] = {}
    for row in rows:
        for name, (original, recon, windows) in row.get("periodic_windows", {}).items():
            for key in {name, "all"}:
                total = pooled.setdefault(key, [0.0, 0.0, 0])
                total[0], total[1], total[2] = total[0] + original, total[1] + recon, total[2] + windows
    return {
        name: {
            "windows": n,
            "original": float(np.exp(o / n)),
            "recon": float(np.exp(r / n)),
            "ratio": periodic_ratio(o, r, n),
        }
        for name, (o, r, n) in pooled.items()
    }


def run_eval(
    codec: Codec,
    samples,
    preserve: Sequence[str] | None,
    baselines: Sequence[str],
    scales: Sequence[int],
    segmenter: Segmenter | None,
    with_kid: bool,
    global_reference: Codec | None = None,
    max_bytes: int | None = None,
    effort: str = "fast",
) -> tuple[list[dict], list[dict], list[tuple[str, dict]]]:
    """Rows per image and codec, the summary (with KID/FID over patches when asked), and crops for a grid.

    max_bytes: evaluate selgan's rate control at this budget (see image_rows)."""
    from selgan.eval import fid as fidlib

    rows, gallery = [], []
    real_feats: list[np.ndarray] = []
    fake_feats: dict[str, list[np.ndarray]] = {}
    with_kid = with_kid and fidlib.inception() is not None
    for sample in samples:
        image_rows_, recons = image_rows(
            codec, sample, preserve, baselines, scales, segmenter, global_reference, max_bytes, effort
        )
        rows += image_rows_
        if len(gallery) < 3:
            gallery.append((sample.name, {"original": sample.image, **recons}))
        if with_kid:
            size = fidlib.patch_size(sample.image)
            real_feats.append(fidlib.features(fidlib.patches(sample.image, size)))
            for label, recon in recons.items():
                fake_feats.setdefault(label, []).append(fidlib.features(fidlib.patches(recon, size)))
    summary = summarise(rows)
    if with_kid:
        real = np.concatenate(real_feats)
        for entry in summary:
            fake = fake_feats.get(entry["codec"])
            if fake:
                fake = np.concatenate(fake)
                entry["kid"], entry["fid"], entry["patches"] = fidlib.kid(real, fake), fidlib.fid(real, fake), len(fake)
    return rows, summary, gallery


def summarise(rows: list[dict]) -> list[dict]:
    """Means per codec over the images where it fitted, with how many fitted."""
    by_codec: dict[str, list[dict]] = {}
    for row in rows:
        by_codec.setdefault(row["codec"], []).append(row)
    summary = []
    for name, items in by_codec.items():
        fitted = [r for r in items if r["fits"]]
        entry = {"codec": name, "fits": f"{len(fitted)}/{len(items)}"}
        for key in (
            "bpp",
            "bytes",
            "psnr",
            "psnr_lowfreq",
            "psnr_lowfreq_synthesised",
            "msssim",
            "psnr_preserved",
            "psnr_synthesised",
            "msssim_preserved",
            "msssim_synthesised",
            "miou_gt",
            "miou_gt_synthesised",
            "miou_self",
            "lpips",
            "global_ref_bytes",
            "global_ref_psnr_preserved",
            "global_ref_miou_gt_synthesised",
        ):
            values = [r[key] for r in fitted if key in r and math.isfinite(r[key])]
            entry[key] = float(np.mean(values)) if values else None
        periodic = periodic_summary(fitted)
        entry["periodic"] = periodic["all"]["ratio"] if periodic else None
        entry["periodic_by_class"] = periodic
        summary.append(entry)
    return summary


def quality_sweep(
    images: Sequence[np.ndarray], baselines: Sequence[str], scales: Sequence[int], steps: int = 6
) -> list[dict]:
    """Each baseline over its quality range (not matched in size): mean bpp, PSNR and MS-SSIM per setting."""
    from selgan.baselines import resize

    curves = []
    for name in baselines:
        codec = get_baseline(name)
        lo, hi = codec.qualities
        for scale in scales:
            for quality in np.unique(np.linspace(lo, lo + (hi - lo) * 0.6, steps).round().astype(int)):
                bpps, psnrs, msssims = [], [], []
                for image in images:
                    data = codec.encode(resize(image, scale, down=True), int(quality))
                    recon = resize(codec.decode(data), scale, down=False, size=image.shape[1::-1])
                    bpps.append(len(data) * 8 / (image.shape[0] * image.shape[1]))
                    psnrs.append(psnr(image, recon))
                    msssims.append(msssim(image, recon))
                label = name if scale == 1 else f"{name}@1/{scale}"
                curves.append(
                    {
                        "codec": label,
                        "quality": int(quality),
                        "bpp": float(np.mean(bpps)),
                        "psnr": float(np.mean(psnrs)),
                        "msssim": float(np.mean(msssims)),
                    }
                )
    return curves
