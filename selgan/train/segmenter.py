"""Train the built-in segmenter (smp decoder over an ImageNet EfficientNet-Lite encoder) on labelled street frames.

Usage: python -m selgan.train.segmenter [configs/segmenter/camvid_fpn.yaml] [section.key=value ...] --out RUN
       [--init WEIGHTS] [--minutes 60] [--resume]: the codec trainer's command line and config system
       (selgan/train/config.py, SegmenterTrainConfig).
Augmentation for crossing cameras: scale 0.5–2×, flips, colour (white balance, exposure, gamma, saturation,
hue), blur, noise and JPEG; loss: cross-entropy with square-root median-frequency weights on the hardest
pixels (OHEM), so thin classes (poles, signs, pedestrians) are not drowned by road and sky; optionally plus
optim.lovasz_weight × the Lovász-softmax surrogate of (1 − IoU) (Berman et al., CVPR 2018; smp's LovaszLoss),
which scores a class by its IoU as mIoU does rather than by its pixel count.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import segmentation_models_pytorch as smp
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from selgan.datasets import LAYOUTS, data_path
from selgan.errors import SelganError, run_script
from selgan.labels.vocab import CAMVID, get_mapping
from selgan.segment.builtin import load_segmenter, segmenter_config
from selgan.segment.smp_net import ARCHITECTURES, SegNetConfig, build_segnet, load_network_state, normalize
from selgan.train.checkpoint import load_checkpoint, save_checkpoint, set_rng_state
from selgan.train.config import (
    SegmenterModelConfig,
    SegmenterTrainConfig,
    add_trainer_arguments,
    config_to_dict,
    resume_checkpoint,
    run_config,
)
from selgan.train.data import PairDataset
from selgan.train.precision import amp_dtype

NUM_CLASSES = CAMVID.num_classes - 1  # Unlabelled is ignored, not predicted
IGNORE = CAMVID.ignore_id


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_trainer_arguments(parser, "configs/segmenter/camvid_fpn.yaml")
    parser.add_argument(
        "--init",
        type=Path,
        help="start from these weights (a weights_step*.pt of another run, or a shipped .safetensors)",
    )
    return parser.parse_args(argv)


def network_state(path: Path) -> dict[str, torch.Tensor]:
    """fp32 state dict of a training weights file (.pt) or of a shipped segmenter (.safetensors)."""
    if path.suffix == ".safetensors":
        return load_segmenter(path).network.state_dict()
    return {k: v.float() if v.is_floating_point() else v for k, v in load_checkpoint(path)["model"].items()}


def network_config(path: Path) -> SegNetConfig:
    """The network shape of a training weights file (.pt) or of a shipped segmenter (.safetensors)."""
    if path.suffix == ".safetensors":
        return segmenter_config(path)
    return SegNetConfig(**load_checkpoint(path)["config"])


def class_weights(dataset: PairDataset) -> torch.Tensor:
    """Square root of median-frequency balancing: thin classes count more, without flooding them with false
    positives."""
    counts = np.zeros(NUM_CLASSES)
    for i in range(len(dataset)):
        counts += np.bincount(dataset.load(i)[1].ravel(), minlength=CAMVID.num_classes)[:NUM_CLASSES]
    freq = counts / counts.sum()
    return torch.tensor(np.sqrt(np.median(freq) / np.maximum(freq, 1e-8)), dtype=torch.float32).clamp(max=5.0)


def logit_adjustment(weights: torch.Tensor, strength: float) -> torch.Tensor:
    """Per-class score bias that undoes `strength` of the class weighting's log(weight) shift (0: none, 1: all)."""
    return -strength * weights.log()


def ohem_cross_entropy(
    logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor, threshold: float = 0.7, min_share: float = 1 / 16
) -> torch.Tensor:
    """Mean weighted cross-entropy over pixels predicted with p(true) < threshold, at least min_share of them."""
    loss = F.cross_entropy(logits, target, weight=weight, ignore_index=IGNORE, reduction="none").flatten()
    valid = (target != IGNORE).flatten()
    loss = loss[valid]
    if loss.numel() == 0:
        return logits.sum() * 0
    keep = max(int(loss.numel() * min_share), 1)
    hard = loss[loss > -math.log(threshold)]
    return hard.mean() if hard.numel() >= keep else loss.topk(keep).values.mean()


LOVASZ = smp.losses.LovaszLoss(smp.losses.MULTICLASS_MODE, ignore_index=IGNORE)


def sampled_lovasz(logits: torch.Tensor, target: torch.Tensor, pixels: int) -> torch.Tensor:
    """smp's Lovász-softmax loss over `pixels` pixels of the batch drawn at random (all of them if fewer).

    The loss sorts every pixel's error once per class; over a whole batch of 384² crops that costs more
    than the network's own step on a CPU, and a random sample keeps each class's share."""
    flat_logits = logits.permute(0, 2, 3, 1).reshape(-1, logits.shape[1])
    flat_target = target.reshape(-1)
    if flat_target.numel() > pixels:
        pick = torch.randint(flat_target.numel(), (pixels,), device=target.device)
        flat_logits, flat_target = flat_logits[pick], flat_target[pick]
    return LOVASZ(flat_logits.T[None, :, :, None], flat_target[None, :, None])


def poly_factor(step: int, total: int, power: float = 0.9, warmup: int = 200) -> float:
    """Linear warm-up, then polynomial decay to zero at `total`."""
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, 1 - (step - warmup) / max(1, total - warmup)) ** power


def build_model(
    shape: SegmenterModelConfig, init: Path | None, device: torch.device
) -> tuple[torch.nn.Module, SegNetConfig]:
    """A new network over the ImageNet encoder, or one from `init` (optionally with a refinement head added)."""
    if init is None:
        cfg = SegNetConfig(
            arch=shape.arch,
            decoder_channels=shape.decoder_channels,
            num_classes=NUM_CLASSES,
            refine_channels=shape.refine_channels,
        )
        model = build_segnet(cfg, pretrained_encoder=True)
    else:
        cfg = network_config(init)
        if shape.refine_channels:
            cfg = replace(cfg, refine_channels=shape.refine_channels)
        model = build_segnet(cfg)
        load_network_state(model, network_state(init))
    # channels_last: convolutions run faster on CPU (oneDNN; bf16 1.4x on a CPU with native bf16, fp32 1.2x on
    # an AVX2 one) and on tensor cores.
    return model.to(device, memory_format=torch.channels_last), cfg


def build_loader(cfg: SegmenterTrainConfig, device: torch.device) -> tuple[PairDataset, DataLoader]:
    """Training crops with scale, flips, photometric and camera degradations; labels mapped to CamVid's."""
    data = cfg.data
    if data.layout not in LAYOUTS:
        raise SelganError(f"data.layout {data.layout!r} is not one of {', '.join(sorted(LAYOUTS))}")
    train = PairDataset(
        LAYOUTS[data.layout](data_path(data.root), data.split),
        crop=data.crop,
        flip=True,
        scale_range=(0.5, 2.0),
        pad_label=IGNORE,
        label_mapping=get_mapping(data.label_vocab, CAMVID.name),
        seed=cfg.optim.seed,
        photometric=1.0,
        degrade=True,
        conditions=tuple(c for c in data.conditions.split(",") if c),
        condition_share=data.condition_share,
    )
    loader = DataLoader(
        train,
        batch_size=cfg.optim.batch,
        shuffle=True,
        drop_last=True,
        num_workers=data.workers,
        generator=torch.Generator().manual_seed(cfg.optim.seed),
        pin_memory=device.type == "cuda",
    )
    return train, loader


class SegmenterRun:
    """One run's state (config, network, optimiser, step, schedule length) and how it is saved and resumed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.out = Path(args.out).expanduser()
        self.minutes_limit = args.minutes
        checkpoint = resume_checkpoint(self.out, args.resume)
        state = load_checkpoint(checkpoint) if checkpoint else None
        self.cfg = cfg = run_config(SegmenterTrainConfig, args, state)
        if cfg.model.arch not in ARCHITECTURES:
            raise SelganError(f"model.arch {cfg.model.arch!r} is not one of {', '.join(ARCHITECTURES)}")
        if cfg.run.threads:
            torch.set_num_threads(cfg.run.threads)
        auto = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(auto if cfg.run.device == "auto" else cfg.run.device)
        self.out.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(cfg.optim.seed)
        self.model, self.net_cfg = build_model(cfg.model, None if state else args.init, self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.optim.lr, weight_decay=1e-4)
        self.train, self.loader = build_loader(cfg, self.device)
        self.weights = class_weights(self.train).to(self.device)
        self.step, self.total = 0, cfg.optim.steps
        if state is not None:
            self._restore(state)
        self.start = time.time()
        self.fit_step = self.step + 50  # fit_schedule measures the speed of this session's first 50 steps
        autocast_dtype = amp_dtype(cfg.optim.amp, self.device)
        print(f"autocast: {autocast_dtype or 'off (fp32)'}", flush=True)
        self.amp = dict(
            device_type=self.device.type, dtype=autocast_dtype or torch.float32, enabled=autocast_dtype is not None
        )

    @property
    def checkpoint(self) -> Path:
        return self.out / "checkpoint.pt"

    def _restore(self, state: dict) -> None:
        """Continue exactly from the run's checkpoint (network, optimiser, RNG, step, schedule)."""
        set_rng_state(state["rng"])
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.total = state["step"], state["total_steps"]
        print(f"resumed at step {self.step} of {self.total}", flush=True)

    def save(self, path: Path, weights_only: bool = False) -> None:
        """The resumable checkpoint, or (weights_only) an fp16 snapshot of the network for export."""
        weights = self.model.state_dict()
        if weights_only:
            weights = {
                k: (v.half() if v.is_floating_point() and "running" not in k else v).cpu() for k, v in weights.items()
            }
        state = {
            "model": weights,
            "step": self.step,
            "total_steps": self.total,
            "config": self.net_cfg.to_json_dict(),  # the network's shape (segmenter_export reads it)
            "train_config": config_to_dict(self.cfg),
        }
        if not weights_only:
            state["optimizer"] = self.optimizer.state_dict()
        save_checkpoint(path, state)

    def minutes(self) -> float:
        return (time.time() - self.start) / 60

    def done(self) -> bool:
        return self.step >= self.total or self.minutes() >= self.minutes_limit

    def train_step(self, x: torch.Tensor, labels: torch.Tensor) -> float:
        """One optimiser step on a batch; the loss."""
        optim = self.cfg.optim
        for group in self.optimizer.param_groups:
            group["lr"] = optim.lr * poly_factor(self.step, self.total)
        x = x.to(self.device, non_blocking=True, memory_format=torch.channels_last)
        labels = labels.to(self.device, non_blocking=True)
        with torch.autocast(**self.amp):
            logits = self.model(normalize(x))
        loss = ohem_cross_entropy(logits.float(), labels, self.weights)
        if optim.lovasz_weight:
            loss = loss + optim.lovasz_weight * sampled_lovasz(logits.float(), labels, optim.lovasz_pixels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        return loss.item()

    def fit_schedule(self) -> None:
        """With optim.fit_share, 50 steps into this session: end the schedule where the time limit will end the run."""
        share = self.cfg.optim.fit_share
        if share and math.isfinite(self.minutes_limit) and self.step == self.fit_step:
            rate = 50 / max(time.time() - self.start, 1e-6)
            # Better to end early than to stop undecayed, hence a share of the time left.
            left = self.minutes_limit * 60 - (time.time() - self.start)
            self.total = min(self.total, int(self.step + rate * left * share))
            print(f"{rate:.2f} steps/s: the schedule ends at step {self.total}", flush=True)


def main(argv: list[str] | None = None) -> None:
    run = SegmenterRun(parse_args(argv))
    torch.backends.cudnn.benchmark = True
    log = (run.out / "log.jsonl").open("a")
    every = run.cfg.run
    last_save = last_snapshot = time.time()
    run.model.train()
    while not run.done():
        run.train.set_epoch(run.step // len(run.loader))
        for x, labels in run.loader:
            loss = run.train_step(x, labels)
            run.fit_schedule()
            if run.step % every.log_every == 0:
                lr = run.optimizer.param_groups[0]["lr"]
                record = {"step": run.step, "total_steps": run.total, "loss": loss, "lr": lr, "minutes": run.minutes()}
                log.write(json.dumps(record) + "\n")
                log.flush()
            if time.time() - last_save > every.checkpoint_minutes * 60:
                run.save(run.checkpoint)
                last_save = time.time()
            if every.snapshot_minutes and time.time() - last_snapshot > every.snapshot_minutes * 60:
                run.save(run.out / f"weights_step{run.step}.pt", weights_only=True)
                last_snapshot = time.time()
            if run.done():
                break
    run.save(run.checkpoint)
    run.save(run.out / f"weights_step{run.step}.pt", weights_only=True)
    print(f"stopped at step {run.step} of {run.total} after {run.minutes():.1f} min", flush=True)


if __name__ == "__main__":
    run_script(main)
