"""Issue 13's ablation: each recipe's codec on CamVid val in selective mode, one table and one crop grid.

Usage: SELGAN_HOME=ZOO python benchmarks/ablation.py --rows abl_current,abl_projected,... --out docs/ablation
       [--data ../shared/data/camvid] [--stride 2] [--timing]
ZOO is a folder with a manifest holding the exported rows (`selgan export RUN.pt -o ZOO/NAME --segmenter camvid-seg`)
and the segmenter that judges them. Columns: real bpp, KID on val patches, the segmenter's mIoU against ground
truth over the whole image and inside synthesised regions only, PSNR in preserved regions; --timing adds the
seconds of one training step of each recipe on this CPU (batch 8, 256² crops, 2 threads).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import selgan
from selgan.datasets import camvid_pairs, data_root
from selgan.eval.evaluate import Sample, run_eval
from selgan.imageio import load_rgb
from selgan.segment import get_segmenter
from selgan.segment.labelfile import read_label_png

DEFAULT_PRESERVE = ["pedestrian", "car", "bicyclist", "signsymbol"]
COLUMNS = ("bpp", "kid", "miou_gt", "miou_gt_synthesised", "psnr_preserved", "psnr", "seconds_per_step")
GRID_FRAMES = (5, 40, 75)  # val frames shown in the crop grid (spread over the three sequences)


def evaluate_row(name: str, pairs, segmenter) -> dict:
    codec = selgan.load(name)
    samples = (Sample(p.stem, load_rgb(p), read_label_png(label, codec.model.vocab)) for p, label in pairs)
    _, summary, _ = run_eval(codec, samples, DEFAULT_PRESERVE, [], [], segmenter, True)
    return next(e for e in summary if e["codec"] == "selgan")


def step_seconds(config: str, runs: int = 3) -> float:
    """Median seconds of one adversarial training step of a recipe on this CPU (batch 8, 256², 2 threads)."""
    import torch

    from selgan.train.config import load_train_config
    from selgan.train.distributed import DistInfo
    from selgan.train.run import build_trainer

    torch.set_num_threads(2)
    cfg = load_train_config(config, ["optim.batch=8", "data.crop=256", "optim.warmup_steps=0"])
    dist = DistInfo()
    trainer = build_trainer(cfg, Path("/tmp/selgan-ablation-timing"), dist, float("inf"))
    x, labels = next(iter(trainer.loader))
    trainer.run_step(x, labels)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        trainer.run_step(x, labels)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def synthesised_crops(name: str, pairs, crop: int = 128) -> list[np.ndarray]:
    """For each grid frame: the crop×crop window with the most synthesised pixels (building, tree, sky...)."""
    codec = selgan.load(name)
    crops = []
    for index in GRID_FRAMES:
        image_path, label_path = pairs[index]
        image = load_rgb(image_path)
        bitstream = codec.compress(
            image, labels=read_label_png(label_path, codec.model.vocab), preserve=DEFAULT_PRESERVE
        )
        recon = np.asarray(codec.decompress(bitstream.to_bytes()))
        y, x = _window(~codec.preserved_mask(bitstream), crop, index)
        crops.append(recon[y : y + crop, x : x + crop])
    return crops


def _window(synthesised: np.ndarray, crop: int, seed: int) -> tuple[int, int]:
    """Top-left corner of a fully synthesised window (fixed per frame so every row shows the same place)."""
    h, w = synthesised.shape
    rng = np.random.default_rng(seed)
    best, best_share = (0, 0), -1.0
    for _ in range(200):
        y, x = int(rng.integers(0, h - crop + 1)), int(rng.integers(0, w - crop + 1))
        share = synthesised[y : y + crop, x : x + crop].mean()
        if share > best_share:
            best, best_share = (y, x), share
    return best


def grid(rows: dict[str, list[np.ndarray]], originals: list[np.ndarray], path: Path, crop: int = 128) -> None:
    label_w, gap = 150, 4
    names = ["original", *rows]
    canvas = Image.new("RGB", (label_w + len(originals) * (crop + gap), len(names) * (crop + gap)), "white")
    draw = ImageDraw.Draw(canvas)
    for r, name in enumerate(names):
        draw.text((4, r * (crop + gap) + crop // 2 - 6), name, fill="black")
        for c, image in enumerate(originals if name == "original" else rows[name]):
            canvas.paste(Image.fromarray(np.ascontiguousarray(image)), (label_w + c * (crop + gap), r * (crop + gap)))
    canvas.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", required=True, help="comma-separated model names in the zoo")
    parser.add_argument("--configs", default="", help="comma-separated training presets, one per row (for --timing)")
    parser.add_argument("--data", type=Path, default=data_root() / "camvid")
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--segmenter", default="camvid-seg")
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--no-grid", action="store_true", help="keep the crop grid as it is")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.rows.split(",")
    pairs = camvid_pairs(args.data, "val")
    results_path = args.out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    for name, config in zip(names, args.configs.split(",") if args.configs else [None] * len(names)):
        row = results.get(name) or evaluate_row(
            name, pairs[:: args.stride], get_segmenter("builtin", name=args.segmenter)
        )
        if args.timing and config:
            row["seconds_per_step"] = step_seconds(config)
        results[name] = row
        results_path.write_text(json.dumps(results, indent=1))
        print(name, {k: row.get(k) for k in COLUMNS}, flush=True)
    if args.no_grid:
        return
    originals = []
    for index in GRID_FRAMES:
        image = load_rgb(pairs[index][0])
        codec = selgan.load(names[0])
        bitstream = codec.compress(
            image, labels=read_label_png(pairs[index][1], codec.model.vocab), preserve=DEFAULT_PRESERVE
        )
        y, x = _window(~codec.preserved_mask(bitstream), 128, index)
        originals.append(image[y : y + 128, x : x + 128])
    grid({name: synthesised_crops(name, pairs) for name in names}, originals, args.out / "crops_synthesised.png")


if __name__ == "__main__":
    main()
