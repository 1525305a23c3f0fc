"""`selgan bench`: time and memory of every stage at several image sizes, FLOPs against the machine's matmul rate.

Prints a table and writes JSON; it never passes or fails on time.
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.flop_counter import FlopCounterMode

from selgan.api import Codec
from selgan.codec import LATENT_STRIDE
from selgan.codec.network import padded_shape
from selgan.codec.refine import EFFORTS
from selgan.guard import GuardWarning
from selgan.labels.resample import one_hot_labels, pad_to_shape
from selgan.segment.base import Segmenter

SIZES = ((480, 360), (1024, 512), (2048, 1024), (3840, 2160))


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median seconds of `runs` calls after one warm-up call, and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def matmul_gflops(n: int = 2048, runs: int = 5) -> float:
    """The machine's fp32 matrix-multiply rate, the practical ceiling for convolutions."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    seconds, _ = timed(lambda: a @ b, runs)
    return 2 * n**3 / seconds / 1e9


@torch.no_grad()
def bench_size(codec: Codec, segmenter: Segmenter | None, image: np.ndarray, runs: int) -> dict:
    """Per-stage medians for one image (the image is already at the size to measure)."""
    model = codec.model
    height, width = image.shape[:2]
    row: dict = {"size": f"{width}×{height}"}
    if segmenter is not None:
        row["segment_s"], segmap = timed(lambda: segmenter.segment(image), runs)
        labels = segmap.labels
    else:
        labels = np.zeros((height, width), dtype=np.int64)
    padded = pad_to_shape(image, padded_shape(height, width))
    stored = model.file_labels(labels, padded.shape[:2])
    x = torch.from_numpy(padded).permute(2, 0, 1)[None].float() / 255
    one_hot = one_hot_labels(torch.from_numpy(stored)[None], model.vocab.num_classes)
    row["encoder_s"], z = timed(lambda: model.encoder(x * 2 - 1, one_hot), runs)
    _, symbols, _ = model.quantizer(z)
    coded = np.ones(symbols.shape[-2:], dtype=bool)
    classes = model.latent_classes(stored)

    def entropy_encode():
        return model.label_model.encode(stored), model.latent_model.encode(symbols[0].numpy(), coded, classes)

    row["entropy_encode_s"], (label_bytes, latent_bytes) = timed(entropy_encode, runs)

    def entropy_decode():
        return (
            model.label_model.decode(label_bytes, stored.shape),
            model.latent_model.decode(latent_bytes, coded, classes),
        )

    row["entropy_decode_s"], _ = timed(entropy_decode, runs)
    z_hat = model.quantizer.dequantize(symbols)
    noises = model.draw_noise(1, coded.shape)
    mask = torch.ones(1, 1, *coded.shape)
    row["generator_s"], _ = timed(lambda: model.generate_tiled(z_hat, mask, one_hot, noises), runs)
    row["encode_total_s"] = row.get("segment_s", 0) + row["encoder_s"] + row["entropy_encode_s"]
    row["decode_total_s"] = row["entropy_decode_s"] + row["generator_s"]
    row["bytes"] = len(label_bytes) + len(latent_bytes)
    row["peak_rss_mb"] = peak_rss_mb()
    return row


@torch.no_grad()
def flops_480(codec: Codec) -> dict:
    """FLOPs of encoder and generator on a 480×360 frame (torch's flop counter)."""
    model = codec.model
    h, w = padded_shape(360, 480)
    x = torch.rand(1, 3, h, w)
    one_hot = one_hot_labels(
        torch.zeros(1, h // model.label_downsample, w // model.label_downsample, dtype=torch.long),
        model.vocab.num_classes,
    )
    counter = FlopCounterMode(display=False)
    with counter:
        z = model.encoder(x, one_hot)
    encoder_flops = counter.get_total_flops()
    latent = (1, 1, h // LATENT_STRIDE, w // LATENT_STRIDE)
    counter = FlopCounterMode(display=False)
    with counter:
        model.generator(z, torch.ones(latent), one_hot, model.draw_noise(1, latent[-2:]))
    return {"encoder_gflop": encoder_flops / 1e9, "generator_gflop": counter.get_total_flops() / 1e9}


@torch.no_grad()
def batched_images_per_s(codec: Codec, image: np.ndarray, batch: int = 8) -> float:
    """Throughput of the encoder plus entropy coding on a batch of same-size frames."""
    model = codec.model
    x = torch.from_numpy(np.stack([image] * batch)).permute(0, 3, 1, 2).float() / 255
    h, w = padded_shape(*image.shape[:2])
    x = torch.nn.functional.pad(x, (0, w - image.shape[1], 0, h - image.shape[0]), mode="replicate")
    stored = np.full((h // model.label_downsample, w // model.label_downsample), 0)
    one_hot = one_hot_labels(torch.from_numpy(stored)[None].expand(batch, -1, -1), model.vocab.num_classes)
    classes = model.latent_classes(stored)

    def run():
        _, symbols, _ = model.quantizer(model.encoder(x * 2 - 1, one_hot))
        coded = np.ones(symbols.shape[-2:], dtype=bool)
        return [model.latent_model.encode(s.numpy(), coded, classes) for s in symbols]

    seconds, _ = timed(run, 2)
    return batch / seconds


def budget_seconds(codec: Codec, image: np.ndarray, runs: int) -> dict:
    """Seconds of a plain compress (the model's default preserve set, else global; segmentation included),
    of the same with the synthesis guard (compress's default: it decodes the file to look at it), and of
    budgeted ones at the sizes of the rate ladder's smallest, middle and largest files. The smallest is the
    worst case: every larger candidate must be ruled out before it is chosen."""
    preserve = "default" if codec.default_preserve else None
    plain, _ = timed(lambda: codec.compress(image, preserve=preserve, guard="off"), runs)
    with warnings.catch_warnings():  # its findings are not the point here, its time is
        warnings.simplefilter("ignore", GuardWarning)
        guarded, _ = timed(lambda: codec.compress(image, preserve=preserve), runs)
    ladder = codec.rate_ladder(image, codec.segment(image).labels, 0)
    sizes = sorted(rung.make().num_bytes for rung in ladder)
    row = {"plain_compress_s": plain, "guarded_compress_s": guarded}
    for name, budget in (("smallest", sizes[0]), ("middle", sizes[len(sizes) // 2]), ("largest", sizes[-1])):
        row[f"budget_{name}_bytes"] = budget
        row[f"budget_{name}_s"], _ = timed(
            lambda budget=budget: codec.compress(image, max_bytes=budget, guard="off"), runs
        )
    row["budget_worst_ratio"] = max(row[f"budget_{n}_s"] for n in ("smallest", "middle", "largest")) / plain
    return row


def effort_seconds(codec: Codec, image: np.ndarray) -> dict:
    """Seconds of one compress at each encode effort (the model's default preserve set, else global; no guard)
    and the file's bytes: what each level costs in time, and that the bytes stay (selgan.codec.refine)."""
    preserve = "default" if codec.default_preserve else None
    row: dict = {"size": f"{image.shape[1]}×{image.shape[0]}"}
    for name in EFFORTS:
        seconds, bitstream = timed(
            lambda name=name: codec.compress(image, preserve=preserve, guard="off", effort=name), 1
        )
        row[name] = {"seconds": seconds, "bytes": bitstream.num_bytes}
    return row


def run_bench(
    codec: Codec,
    segmenter: Segmenter | None,
    source: Path,
    sizes=SIZES,
    runs: int = 3,
    effort_size: tuple[int, int] | None = (1024, 512),
) -> dict:
    """The whole benchmark as one JSON-ready dict."""
    base = Image.open(source).convert("RGB")
    rows = [
        bench_size(codec, segmenter, np.asarray(base.resize(size, Image.LANCZOS)), runs if size[0] < 2000 else 1)
        for size in sizes
    ]
    machine_gflops = matmul_gflops()
    flops = flops_480(codec)
    frame_480 = np.asarray(base.resize((480, 360), Image.LANCZOS))
    small = rows[0]
    achieved = {
        "encoder_gflops_per_s": flops["encoder_gflop"] / small["encoder_s"],
        "generator_gflops_per_s": flops["generator_gflop"] / small["generator_s"],
    }
    return {
        "model": codec.model_id,
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "matmul_gflops_per_s": machine_gflops,
        **flops,
        **achieved,
        "batched_images_per_s_480x360": batched_images_per_s(codec, frame_480),
        "budget_480x360": budget_seconds(codec, frame_480, runs) if segmenter is not None else None,
        "effort": None
        if effort_size is None
        else effort_seconds(codec, np.asarray(base.resize(effort_size, Image.LANCZOS))),
        "sizes": rows,
    }


def format_bench(result: dict) -> str:
    """Markdown table of the stage timings plus the FLOP summary."""
    cols = [
        "size",
        "segment_s",
        "encoder_s",
        "entropy_encode_s",
        "entropy_decode_s",
        "generator_s",
        "encode_total_s",
        "decode_total_s",
        "peak_rss_mb",
    ]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in result["sizes"]:
        lines.append(
            "| "
            + " | ".join(
                row[c] if c == "size" else f"{row.get(c, float('nan')):.3f}" if c != "peak_rss_mb" else f"{row[c]:.0f}"
                for c in cols
            )
            + " |"
        )
    lines.append("")
    lines.append(
        f"Model {result['model']}, {result['threads']} threads. Encoder {result['encoder_gflop']:.2f} GFLOP and "
        f"generator {result['generator_gflop']:.2f} GFLOP per 480×360 frame; achieved "
        f"{result['encoder_gflops_per_s']:.1f} and {result['generator_gflops_per_s']:.1f} GFLOP/s against "
        f"{result['matmul_gflops_per_s']:.1f} GFLOP/s fp32 matmul on this machine. Batched encoding: "
        f"{result['batched_images_per_s_480x360']:.1f} images/s (480×360, batch 8)."
    )
    effort = result.get("effort")  # reports written before encode effort existed lack it
    if effort:
        fast = effort["fast"]["seconds"]
        levels = ", ".join(
            f"{name} {effort[name]['seconds']:.2f} s ({effort[name]['seconds'] / fast:.0f}× fast, "
            f"{effort[name]['bytes']:,} B)"
            for name in EFFORTS
        )
        lines += [
            "",
            f"Encode effort at {effort['size']} (compress with segmentation, no guard; one timed run after a warm-up):"
            f" {levels}.",
        ]
    budget = result.get("budget_480x360")
    if budget:
        lines.append("")
        lines.append(
            f"Rate control at 480×360: a plain compress takes {budget['plain_compress_s']:.3f} s (segmentation "
            f"included); with a byte budget, {budget['budget_smallest_s']:.3f} s at "
            f"{budget['budget_smallest_bytes']} bytes (the smallest file), {budget['budget_middle_s']:.3f} s at "
            f"{budget['budget_middle_bytes']}, {budget['budget_largest_s']:.3f} s at "
            f"{budget['budget_largest_bytes']}: at most {budget['budget_worst_ratio']:.2f}× a plain one."
        )
        if "guarded_compress_s" in budget:  # reports written before the guard existed lack it
            lines.append(
                f"With the synthesis guard (the default: the file is decoded and each painted region checked) "
                f"a compress takes {budget['guarded_compress_s']:.3f} s "
                f"({budget['guarded_compress_s'] / budget['plain_compress_s']:.2f}× a plain one)."
            )
    return "\n".join(lines)


def write_bench(result: dict, path: Path) -> None:
    path.write_text(json.dumps(result, indent=2))
