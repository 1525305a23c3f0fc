"""Train the learned MSE baseline (CompressAI scale hyperprior) on a dataset's training frames.

    python -m selgan.train.hyperprior --data ../shared/data/camvid --lmbda 0.0009 --minutes 50 --out RUN.pt
    python -m selgan.train.hyperprior --export RUN_A.pt RUN_B.pt -o pretrained/camvid-hyperprior.safetensors

CompressAI's own rate–distortion loss (λ·255²·MSE + bpp) and auxiliary loss (the entropy bottleneck's
quantiles), with its two-optimiser recipe; random crops of the training frames with flips. A run saves a
checkpoint (model, optimisers, step) every few minutes and resumes from it; export takes several runs
(lowest rate first) into one weights file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from selgan import zoo
from selgan.datasets import LAYOUTS, data_root
from selgan.errors import run_script
from selgan.hyperprior import build, save
from selgan.imageio import load_rgb
from selgan.train.checkpoint import load_checkpoint, save_checkpoint, set_rng_state


def load_frames(layout: str, root: Path, split: str) -> list[np.ndarray]:
    """Every training frame as uint8 H×W×3 (CamVid train is 190 MB in memory)."""
    return [load_rgb(image) for image, _ in LAYOUTS[layout](root, split)]


def random_batch(frames: list[np.ndarray], batch: int, crop: int, rng: np.random.Generator) -> torch.Tensor:
    """batch random crop×crop windows, half of them mirrored, as N,3,crop,crop floats in [0, 1]."""
    out = np.empty((batch, crop, crop, 3), dtype=np.uint8)
    for i in range(batch):
        frame = frames[rng.integers(len(frames))]
        y, x = rng.integers(frame.shape[0] - crop + 1), rng.integers(frame.shape[1] - crop + 1)
        window = frame[y : y + crop, x : x + crop]
        out[i] = window[:, ::-1] if rng.random() < 0.5 else window
    return torch.from_numpy(out).permute(0, 3, 1, 2).float() / 255


def train(args: argparse.Namespace) -> None:
    from compressai.losses import RateDistortionLoss

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build(args.n, args.m)
    params = [p for name, p in model.named_parameters() if not name.endswith(".quantiles")]
    aux_params = [p for name, p in model.named_parameters() if name.endswith(".quantiles")]
    optimizer = torch.optim.Adam(params, lr=args.lr)
    aux_optimizer = torch.optim.Adam(aux_params, lr=1e-3)
    step = 0
    if args.out.is_file():
        state = load_checkpoint(args.out)
        set_rng_state(state["rng"])
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        aux_optimizer.load_state_dict(state["aux_optimizer"])
        step = state["step"]
        print(f"resumed at step {step}", flush=True)
    criterion = RateDistortionLoss(lmbda=args.lmbda)
    frames = load_frames(args.layout, args.data, args.split)
    start = last_save = time.monotonic()
    model.train()

    def checkpoint() -> None:
        save_checkpoint(
            args.out,
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "aux_optimizer": aux_optimizer.state_dict(),
                "step": step,
                "lmbda": args.lmbda,
                "n": args.n,
                "m": args.m,
            },
        )

    while time.monotonic() - start < args.minutes * 60:
        x = random_batch(frames, args.batch, args.crop, rng)
        optimizer.zero_grad()
        aux_optimizer.zero_grad()
        losses = criterion(model(x), x)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        aux_loss = model.aux_loss()
        aux_loss.backward()
        aux_optimizer.step()
        step += 1
        if step % 50 == 0:
            print(
                f"step {step} loss {losses['loss'].item():.4f} bpp {losses['bpp_loss'].item():.4f} "
                f"mse {losses['mse_loss'].item():.5f} aux {aux_loss.item():.1f}",
                flush=True,
            )
        if time.monotonic() - last_save > 300:
            checkpoint()
            last_save = time.monotonic()
    checkpoint()
    print(f"saved {args.out} at step {step}", flush=True)


def export(checkpoints: list[Path], out: Path) -> None:
    """Runs (lowest rate first) -> one weights file for selgan.hyperprior.load, listed in the manifest beside it."""
    models, lambdas, sizes = [], [], set()
    for path in checkpoints:
        state = load_checkpoint(path)
        model = build(state["n"], state["m"])
        model.load_state_dict(state["model"])
        models.append(model)
        lambdas.append(state["lmbda"])
        sizes.add((state["n"], state["m"]))
        print(f"{path}: λ={state['lmbda']} step {state['step']}")
    if len(sizes) != 1:
        raise SystemExit("all rate points must have the same N, M")
    n, m = sizes.pop()
    save(models, lambdas, n, m, out)
    description = (
        f"learned MSE baseline for selgan eval (CompressAI scale hyperprior, N={n} M={m}, "
        f"{len(models)} rate points); not a selgan codec"
    )
    zoo.update_manifest(
        out.parent / "manifest.json",
        out.stem,
        out.name,
        zoo.sha256_file(out),
        f"{out.stem}.md",
        description,
        kind="baseline",
    )
    print(f"wrote {out} and its manifest entry")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_root() / "camvid")
    parser.add_argument("--layout", default="camvid", choices=sorted(LAYOUTS))
    parser.add_argument("--split", default="train")
    parser.add_argument("--lmbda", type=float, default=0.0009, help="rate–distortion trade-off (CompressAI's λ)")
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--m", type=int, default=96)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--out", type=Path, help="checkpoint (resumed if it exists)")
    parser.add_argument("--export", type=Path, nargs="+", help="checkpoints to export, lowest rate first")
    parser.add_argument("-o", "--output", type=Path, help="weights file written by --export")
    args = parser.parse_args()
    if args.export:
        if args.output is None:
            parser.error("--export needs -o")
        export(args.export, args.output)
    else:
        if args.out is None:
            parser.error("--out is required for training")
        train(args)


if __name__ == "__main__":
    run_script(main)
