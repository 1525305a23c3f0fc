"""Train the learned MSE baseline (CompressAI scale hyperprior) on a dataset's training frames.

    python -m selgan.train.hyperprior [configs/hyperprior/camvid.yaml] optim.lmbda=0.0009 --minutes 50 --out RUN
    python -m selgan.train.hyperprior_export RUN_A RUN_B -o pretrained/camvid-hyperprior.safetensors

The codec trainer's command line and config system (selgan/train/config.py, HyperpriorTrainConfig).
CompressAI's own rate–distortion loss (λ·255²·MSE + bpp) and auxiliary loss (the entropy bottleneck's
quantiles), with its two-optimiser recipe; random crops of the training frames with flips. A run saves
RUN/checkpoint.pt (model, optimisers, step) every few minutes; --resume continues it. Export takes several
runs (lowest rate first) into one weights file.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from selgan.datasets import LAYOUTS, data_path
from selgan.errors import SelganError, run_script
from selgan.hyperprior import build
from selgan.imageio import load_rgb
from selgan.train.checkpoint import load_checkpoint, save_checkpoint, set_rng_state
from selgan.train.config import (
    HyperpriorTrainConfig,
    add_trainer_arguments,
    config_to_dict,
    resume_checkpoint,
    run_config,
)


def load_frames(layout: str, root: str, split: str) -> list[np.ndarray]:
    """Every training frame as uint8 H×W×3 (CamVid train is 190 MB in memory)."""
    if layout not in LAYOUTS:
        raise SelganError(f"data.layout {layout!r} is not one of {', '.join(sorted(LAYOUTS))}")
    return [load_rgb(image) for image, _ in LAYOUTS[layout](data_path(root), split)]


def random_batch(frames: list[np.ndarray], batch: int, crop: int, rng: np.random.Generator) -> torch.Tensor:
    """batch random crop×crop windows, half of them mirrored, as N,3,crop,crop floats in [0, 1]."""
    out = np.empty((batch, crop, crop, 3), dtype=np.uint8)
    for i in range(batch):
        frame = frames[rng.integers(len(frames))]
        y, x = rng.integers(frame.shape[0] - crop + 1), rng.integers(frame.shape[1] - crop + 1)
        window = frame[y : y + crop, x : x + crop]
        out[i] = window[:, ::-1] if rng.random() < 0.5 else window
    return torch.from_numpy(out).permute(0, 3, 1, 2).float() / 255


class HyperpriorRun:
    """One run's config, model, optimisers (CompressAI's two) and step; how it is saved and resumed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.path = args.out / "checkpoint.pt"
        checkpoint = resume_checkpoint(args.out, args.resume)
        state = load_checkpoint(checkpoint) if checkpoint else None
        self.cfg = cfg = run_config(HyperpriorTrainConfig, args, state)
        torch.set_num_threads(cfg.run.threads)
        torch.manual_seed(cfg.optim.seed)
        self.rng = np.random.default_rng(cfg.optim.seed)
        self.model = build(cfg.model.n, cfg.model.m)
        self.params = [p for name, p in self.model.named_parameters() if not name.endswith(".quantiles")]
        aux_params = [p for name, p in self.model.named_parameters() if name.endswith(".quantiles")]
        self.optimizer = torch.optim.Adam(self.params, lr=cfg.optim.lr)
        self.aux_optimizer = torch.optim.Adam(aux_params, lr=cfg.optim.aux_lr)
        self.step = 0
        if state is not None:
            set_rng_state(state["rng"])
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.aux_optimizer.load_state_dict(state["aux_optimizer"])
            self.step = state["step"]
            print(f"resumed at step {self.step}", flush=True)
        args.out.mkdir(parents=True, exist_ok=True)

    def train_step(self, x: torch.Tensor, criterion: torch.nn.Module) -> dict[str, float]:
        """One step of each optimiser; the losses."""
        self.optimizer.zero_grad()
        self.aux_optimizer.zero_grad()
        losses = criterion(self.model(x), x)
        losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.cfg.optim.grad_clip)
        self.optimizer.step()
        aux_loss = self.model.aux_loss()
        aux_loss.backward()
        self.aux_optimizer.step()
        self.step += 1
        return {
            "loss": losses["loss"].item(),
            "bpp": losses["bpp_loss"].item(),
            "mse": losses["mse_loss"].item(),
            "aux": aux_loss.item(),
        }

    def save(self) -> None:
        cfg = self.cfg
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "aux_optimizer": self.aux_optimizer.state_dict(),
            "step": self.step,
            "train_config": config_to_dict(cfg),
            # what hyperprior_export reads (also from checkpoints of before the config system)
            "lmbda": cfg.optim.lmbda,
            "n": cfg.model.n,
            "m": cfg.model.m,
        }
        save_checkpoint(self.path, state)


def train(args: argparse.Namespace) -> None:
    """Train (or with --resume continue) the run in args.out until args.minutes or optim.steps."""
    from compressai.losses import RateDistortionLoss

    run = HyperpriorRun(args)
    cfg = run.cfg
    criterion = RateDistortionLoss(lmbda=cfg.optim.lmbda)
    frames = load_frames(cfg.data.layout, cfg.data.root, cfg.data.split)
    start = last_save = time.monotonic()
    run.model.train()
    while time.monotonic() - start < args.minutes * 60 and not (cfg.optim.steps and run.step >= cfg.optim.steps):
        losses = run.train_step(random_batch(frames, cfg.optim.batch, cfg.data.crop, run.rng), criterion)
        if run.step % cfg.run.log_every == 0:
            print(f"step {run.step} " + " ".join(f"{k} {v:.5g}" for k, v in losses.items()), flush=True)
        if time.monotonic() - last_save > cfg.run.checkpoint_minutes * 60:
            run.save()
            last_save = time.monotonic()
    run.save()
    print(f"saved {run.path} at step {run.step}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_trainer_arguments(parser, "configs/hyperprior/camvid.yaml")
    train(parser.parse_args(argv))


if __name__ == "__main__":
    run_script(main)
