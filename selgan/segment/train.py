"""Train the built-in segmenter from scratch on a CamVid-layout dataset.

Usage: python -m selgan.segment.train --data ../shared/data/camvid --out ~/selgan-runs/seg [--minutes 120]
Rerun the same command to resume. Export: python -m selgan.segment.export (see README).
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from selgan.segment.builtin import BuiltinSegmenter
from selgan.segment.evaluate import evaluate_segmenter
from selgan.segment.network import StreetSegNet, normalize
from selgan.segment.vocab import CAMVID
from selgan.train.checkpoint import load_checkpoint, save_checkpoint, set_rng_state
from selgan.train.data import PairDataset, camvid_pairs

NUM_CLASSES = CAMVID.num_classes - 1  # Unlabelled is ignored, not predicted


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--widths", default="32,64,128,256")
    parser.add_argument("--decoder-width", type=int, default=96)
    parser.add_argument("--crop", type=int, default=320)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--epochs", type=int, default=300, help="length of the cosine schedule")
    parser.add_argument("--minutes", type=float, default=math.inf)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--eval-every", type=int, default=10, help="epochs")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True)
    return parser.parse_args(argv)


def class_weights(dataset: PairDataset) -> torch.Tensor:
    """Median-frequency balancing (Eigen & Fergus; SegNet's choice on CamVid)."""
    counts = np.zeros(NUM_CLASSES)
    for i in range(len(dataset)):
        labels = dataset.load(i)[1]
        counts += np.bincount(labels.ravel(), minlength=CAMVID.num_classes)[:NUM_CLASSES]
    freq = counts / counts.sum()
    return torch.tensor(np.median(freq) / np.maximum(freq, 1e-8), dtype=torch.float32).clamp(max=10.0)


def evaluate(model: StreetSegNet, val: PairDataset) -> dict:
    """Per-class IoU, mIoU and pixel accuracy on full val frames (Unlabelled ignored)."""
    result = evaluate_segmenter(BuiltinSegmenter(model, CAMVID), val.pairs, CAMVID)
    model.train()
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    widths = tuple(int(w) for w in args.widths.split(","))
    model = StreetSegNet(NUM_CLASSES, widths, args.decoder_width)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    train = PairDataset(camvid_pairs(args.data, "train"), crop=args.crop, flip=True, scale_range=(0.5, 1.75),
                        pad_label=CAMVID.ignore_id)
    val = PairDataset(camvid_pairs(args.data, "val"), crop=None, flip=False)
    loader = DataLoader(train, batch_size=args.batch, shuffle=True, drop_last=True, num_workers=0)
    total_steps = args.epochs * len(loader)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=total_steps, pct_start=0.03)
    weights = class_weights(train)
    step, best = 0, 0.0
    ckpt = out / "checkpoint.pt"
    if ckpt.exists():
        state = load_checkpoint(ckpt)
        set_rng_state(state["rng"])
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, best = state["step"], state["best_miou"]
        print(f"resumed at step {step} (best mIoU {best:.4f})", flush=True)
    config = {"widths": list(widths), "decoder_width": args.decoder_width, "num_classes": NUM_CLASSES}
    log = (out / "log.jsonl").open("a")
    start = last_save = time.time()

    def save(path: Path) -> None:
        save_checkpoint(path, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                               "scheduler": scheduler.state_dict(), "step": step, "best_miou": best, "config": config})

    while step < total_steps and (time.time() - start) / 60 < args.minutes:
        train.set_epoch(step // len(loader))
        for x, labels in loader:
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(normalize(x))
            loss = F.cross_entropy(logits.float(), labels, weight=weights, ignore_index=CAMVID.ignore_id)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            if step % 20 == 0:
                log.write(json.dumps({"step": step, "loss": loss.item(), "lr": scheduler.get_last_lr()[0],
                                      "elapsed_min": (time.time() - start) / 60}) + "\n")
                log.flush()
            if step % (args.eval_every * len(loader)) == 0:
                metrics = evaluate(model, val)
                record = {"step": step, "epoch": step // len(loader), "miou": metrics["miou"], "pixel_acc": metrics["pixel_acc"]}
                print(json.dumps(record), flush=True)
                log.write(json.dumps({**record, "per_class": metrics["per_class"]}) + "\n")
                if metrics["miou"] > best:
                    best = metrics["miou"]
                    save(out / "best.pt")
            if time.time() - last_save > 300:
                save(ckpt)
                last_save = time.time()
            if step >= total_steps or (time.time() - start) / 60 >= args.minutes:
                break
    save(ckpt)
    print(f"stopped at step {step}; best val mIoU {best:.4f}", flush=True)


if __name__ == "__main__":
    main()
