"""Stage 1 of codec training: the codec as an autoencoder (no adversary), GC and SC masks mixed.

Usage: python -m selgan.train.warmup --data ../shared/data/camvid --out ~/selgan-runs/NAME [--minutes 60]
Runs until --steps or --minutes, checkpointing atomically; rerun the same command to resume.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from selgan.codec import LATENT_STRIDE, SelectiveCodec, build_codec
from selgan.config import CodecConfig, from_dict, to_dict
from selgan.train.checkpoint import load_checkpoint, save_checkpoint, set_rng_state
from selgan.train.data import PairDataset, camvid_pairs
from selgan.train.masks import random_latent_masks


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CamVid-layout root")
    parser.add_argument("--out", required=True, help="run folder (checkpoint, log)")
    parser.add_argument("--latent-channels", type=int, default=4)
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--beta", type=float, default=0.01, help="weight of latent bpp in the loss")
    parser.add_argument("--synth-weight", type=float, default=0.1, help="distortion weight outside the preserved mask")
    parser.add_argument("--p-full", type=float, default=0.5, help="share of samples trained with the full (GC) mask")
    parser.add_argument("--steps", type=int, default=10**9)
    parser.add_argument("--minutes", type=float, default=math.inf)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                        help="bfloat16 autocast (about 1.4x faster on CPUs with AVX512-BF16)")
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--save-minutes", type=float, default=5.0)
    return parser.parse_args(argv)


def distortion(x_hat: torch.Tensor, x: torch.Tensor, latent_mask: torch.Tensor, synth_weight: float) -> torch.Tensor:
    """MSE weighted 1 in preserved regions and synth_weight in synthesised ones."""
    pixel_mask = torch.nn.functional.interpolate(latent_mask, scale_factor=LATENT_STRIDE, mode="nearest")
    weight = pixel_mask + synth_weight * (1 - pixel_mask)
    return (weight * (x_hat - x) ** 2).mean()


@torch.no_grad()
def evaluate(model: SelectiveCodec, val: PairDataset, count: int) -> dict[str, float]:
    """PSNR (GC mode, full frames) and estimated latent bpp on the first `count` val frames."""
    model.eval()
    psnrs, bpps = [], []
    for i in range(min(count, len(val))):
        x, labels = val[i]
        h, w = x.shape[-2:]
        pad_h, pad_w = -h % LATENT_STRIDE, -w % LATENT_STRIDE
        xp = torch.nn.functional.pad(x[None], (0, pad_w, 0, pad_h), mode="replicate")
        lp = torch.nn.functional.pad(labels[None, None].float(), (0, pad_w, 0, pad_h), mode="replicate")[:, 0].long()
        stored = model.stored_labels(lp)
        mask = torch.ones(1, 1, xp.shape[-2] // LATENT_STRIDE, xp.shape[-1] // LATENT_STRIDE)
        out = model(xp, stored, mask)
        mse = ((out["x_hat"][..., :h, :w].clamp(0, 1) - x[None]) ** 2).mean()
        psnrs.append(float(10 * torch.log10(1 / mse)))
        bpps.append(float(out["bits"]["latent"]) / (h * w))
    model.train()
    return {"val_psnr": float(np.mean(psnrs)), "val_latent_bpp_est": float(np.mean(bpps))}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.out).expanduser()
    ckpt_path = out / "checkpoint.pt"
    cfg = CodecConfig(latent_channels=args.latent_channels)
    model = build_codec(cfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    step = 0
    if ckpt_path.exists():
        state = load_checkpoint(ckpt_path)
        set_rng_state(state["rng"])
        cfg = from_dict(CodecConfig, state["config"])
        model = build_codec(cfg)
        model.load_state_dict(state["model"])
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        optimizer.load_state_dict(state["optimizer"])
        for group in optimizer.param_groups:  # the saved state carries the old rate; --lr wins
            group["lr"] = args.lr
        step = state["step"]
        print(f"resumed from {ckpt_path} at step {step}", flush=True)
    train = PairDataset(camvid_pairs(args.data, "train"), crop=args.crop, flip=True)
    val = PairDataset(camvid_pairs(args.data, "val"), crop=None, flip=False)
    loader = DataLoader(train, batch_size=args.batch, shuffle=True, drop_last=True, num_workers=0)
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "log.jsonl").open("a")
    start = last_save = time.time()

    def checkpoint() -> None:
        save_checkpoint(ckpt_path, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                                    "step": step, "config": to_dict(cfg)})

    while step < args.steps and (time.time() - start) / 60 < args.minutes:
        train.set_epoch(step // len(loader))
        for x, labels in loader:
            stored = model.stored_labels(labels)
            classes = stored[:, ::2, ::2]
            masks = random_latent_masks(classes, model.vocab.ignore_id, args.p_full)
            with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=args.bf16):
                result = model(x, stored, masks)
            d = distortion(result["x_hat"].float(), x, masks, args.synth_weight)
            bpp = result["bits"]["latent"].float() / (x.shape[0] * x.shape[-2] * x.shape[-1])
            loss = d + args.beta * bpp
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            record = {"step": step, "loss": loss.item(), "mse": d.item(), "latent_bpp_est": bpp.item(),
                      "elapsed_min": (time.time() - start) / 60}
            if step % args.eval_every == 0:
                record.update(evaluate(model, val, 8))
                print(json.dumps(record), flush=True)
            if step % 20 == 0 or "val_psnr" in record:
                log.write(json.dumps(record) + "\n")
                log.flush()
            if time.time() - last_save > args.save_minutes * 60:
                checkpoint()
                last_save = time.time()
            if step >= args.steps or (time.time() - start) / 60 >= args.minutes:
                break
    checkpoint()
    print(f"stopped at step {step}; checkpoint {ckpt_path}", flush=True)


if __name__ == "__main__":
    main()
