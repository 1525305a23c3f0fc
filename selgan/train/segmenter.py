"""Train the built-in segmenter (smp decoder over an ImageNet EfficientNet-Lite encoder) on labelled street frames.

Usage: python -m selgan.train.segmenter --data ../shared/data/camvid --out ~/selgan-runs/seg [--arch deeplabv3plus]
       [--minutes 60] [--steps 20000]. Rerun the same command to resume exactly.
Augmentation for crossing cameras: scale 0.5–2×, flips, colour (white balance, exposure, gamma, saturation,
hue), blur, noise and JPEG; loss: cross-entropy with square-root median-frequency weights on the hardest
pixels (OHEM), so thin classes (poles, signs, pedestrians) are not drowned by road and sky; optionally plus
--lovasz × the Lovász-softmax surrogate of (1 − IoU) (Berman et al., CVPR 2018; smp's LovaszLoss), which
scores a class by its IoU as mIoU does rather than by its pixel count.
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

from selgan.datasets import LAYOUTS
from selgan.errors import run_script
from selgan.labels.vocab import CAMVID, get_mapping
from selgan.segment.builtin import load_segmenter, segmenter_config
from selgan.segment.smp_net import ARCHITECTURES, SegNetConfig, build_segnet, load_network_state, normalize
from selgan.train.checkpoint import load_checkpoint, save_checkpoint, set_rng_state
from selgan.train.data import PairDataset
from selgan.train.precision import AMP_CHOICES, amp_dtype

NUM_CLASSES = CAMVID.num_classes - 1  # Unlabelled is ignored, not predicted
IGNORE = CAMVID.ignore_id


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset root")
    parser.add_argument("--layout", default="camvid", choices=sorted(LAYOUTS))
    parser.add_argument("--label-vocab", default="camvid", help="vocabulary of the label files (mapped to CamVid's)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--arch", default="fpn", choices=ARCHITECTURES)
    parser.add_argument(
        "--init",
        type=Path,
        help="start from these weights (a weights_step*.pt of another run, or a shipped .safetensors)",
    )
    parser.add_argument("--decoder-channels", type=int, default=128)
    parser.add_argument(
        "--refine-channels",
        type=int,
        default=0,
        help="add a 1/2-resolution refinement head this wide (fpn only; with --init it is added "
        "to the initial network and starts as a no-op)",
    )
    parser.add_argument("--crop", type=int, default=384)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--steps", type=int, default=20000, help="length of the poly schedule")
    parser.add_argument("--minutes", type=float, default=math.inf, help="stop (and checkpoint) after this wall time")
    parser.add_argument(
        "--fit-minutes",
        action="store_true",
        help="shorten the schedule so it ends within --minutes at the speed of the first 50 steps",
    )
    parser.add_argument(
        "--fit-share",
        type=float,
        default=0.6,
        help="with --fit-minutes, the share of the remaining time the schedule plans for "
        "(lower when other jobs may join the machine later)",
    )
    parser.add_argument(
        "--lovasz",
        type=float,
        default=0.0,
        help="weight of the Lovász-softmax IoU loss added to the cross-entropy (0: none)",
    )
    parser.add_argument(
        "--lovasz-pixels",
        type=int,
        default=2**16,
        help="pixels per batch the Lovász loss is computed on, drawn at random",
    )
    parser.add_argument("--snapshot-minutes", type=float, default=math.inf, help="also keep weights every N minutes")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--amp",
        default="auto",
        choices=AMP_CHOICES,
        help="autocast: auto is bf16 where the hardware has it natively (AVX512-BF16, AMX, recent "
        "GPUs) and fp32 elsewhere, where emulated bf16 is several times slower",
    )
    parser.add_argument("--seed", type=int, default=0)
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


def build_model(args: argparse.Namespace, device: torch.device) -> tuple[torch.nn.Module, SegNetConfig]:
    """A new network over the ImageNet encoder, or one from --init (optionally with a refinement head added)."""
    if args.init is None:
        cfg = SegNetConfig(
            arch=args.arch,
            decoder_channels=args.decoder_channels,
            num_classes=NUM_CLASSES,
            refine_channels=args.refine_channels,
        )
        model = build_segnet(cfg, pretrained_encoder=True)
    else:
        cfg = network_config(args.init)
        if args.refine_channels:
            cfg = replace(cfg, refine_channels=args.refine_channels)
        model = build_segnet(cfg)
        load_network_state(model, network_state(args.init))
    # channels_last: convolutions run faster on CPU (oneDNN; bf16 1.4x on a CPU with native bf16, fp32 1.2x on
    # an AVX2 one) and on tensor cores.
    return model.to(device, memory_format=torch.channels_last), cfg


def build_loader(args: argparse.Namespace, device: torch.device) -> tuple[PairDataset, DataLoader]:
    """Training crops with scale, flips, photometric and camera degradations; labels mapped to CamVid's."""
    train = PairDataset(
        LAYOUTS[args.layout](args.data, "train"),
        crop=args.crop,
        flip=True,
        scale_range=(0.5, 2.0),
        pad_label=IGNORE,
        label_mapping=get_mapping(args.label_vocab, CAMVID.name),
        seed=args.seed,
        photometric=1.0,
        degrade=True,
    )
    loader = DataLoader(
        train,
        batch_size=args.batch,
        shuffle=True,
        drop_last=True,
        num_workers=args.workers,
        generator=torch.Generator().manual_seed(args.seed),
        pin_memory=device.type == "cuda",
    )
    return train, loader


class SegmenterRun:
    """One run's state (network, optimiser, step, schedule length) and how it is saved and resumed."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.device = torch.device(args.device)
        self.out = Path(args.out).expanduser()
        self.out.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(args.seed)
        self.model, self.cfg = build_model(args, self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=args.lr, weight_decay=1e-4)
        self.train, self.loader = build_loader(args, self.device)
        self.weights = class_weights(self.train).to(self.device)
        self.step, self.total = 0, args.steps
        self.start = time.time()
        autocast_dtype = amp_dtype(args.amp, self.device)
        print(f"autocast: {autocast_dtype or 'off (fp32)'}", flush=True)
        self.amp = dict(
            device_type=self.device.type, dtype=autocast_dtype or torch.float32, enabled=autocast_dtype is not None
        )

    @property
    def checkpoint(self) -> Path:
        return self.out / "checkpoint.pt"

    def resume(self) -> None:
        """Continue exactly from the run's checkpoint, if there is one."""
        if self.checkpoint.exists():
            state = load_checkpoint(self.checkpoint)
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
        state = {"model": weights, "step": self.step, "total_steps": self.total, "config": self.cfg.to_json_dict()}
        if not weights_only:
            state["optimizer"] = self.optimizer.state_dict()
        save_checkpoint(path, state)

    def minutes(self) -> float:
        return (time.time() - self.start) / 60

    def train_step(self, x: torch.Tensor, labels: torch.Tensor) -> float:
        """One optimiser step on a batch; the loss."""
        args = self.args
        for group in self.optimizer.param_groups:
            group["lr"] = args.lr * poly_factor(self.step, self.total)
        x = x.to(self.device, non_blocking=True, memory_format=torch.channels_last)
        labels = labels.to(self.device, non_blocking=True)
        with torch.autocast(**self.amp):
            logits = self.model(normalize(x))
        loss = ohem_cross_entropy(logits.float(), labels, self.weights)
        if args.lovasz:
            loss = loss + args.lovasz * sampled_lovasz(logits.float(), labels, args.lovasz_pixels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        return loss.item()

    def fit_schedule(self) -> None:
        """With --fit-minutes, after 50 steps: end the schedule where the time limit will end the run."""
        args = self.args
        if self.step == 50 and args.fit_minutes and math.isfinite(args.minutes):
            rate = self.step / max(time.time() - self.start, 1e-6)
            # Better to end early than to stop undecayed, hence a share of the time left.
            left = args.minutes * 60 - (time.time() - self.start)
            self.total = min(self.total, int(self.step + rate * left * args.fit_share))
            print(f"{rate:.2f} steps/s: the schedule ends at step {self.total}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.cudnn.benchmark = True
    run = SegmenterRun(args)
    run.resume()
    log = (run.out / "log.jsonl").open("a")
    last_save = last_snapshot = time.time()
    run.model.train()
    while run.step < run.total and run.minutes() < args.minutes:
        run.train.set_epoch(run.step // len(run.loader))
        for x, labels in run.loader:
            loss = run.train_step(x, labels)
            run.fit_schedule()
            if run.step % 50 == 0:
                lr = run.optimizer.param_groups[0]["lr"]
                record = {"step": run.step, "total_steps": run.total, "loss": loss, "lr": lr, "minutes": run.minutes()}
                log.write(json.dumps(record) + "\n")
                log.flush()
            if time.time() - last_save > 300:
                run.save(run.checkpoint)
                last_save = time.time()
            if time.time() - last_snapshot > args.snapshot_minutes * 60:
                run.save(run.out / f"weights_step{run.step}.pt", weights_only=True)
                last_snapshot = time.time()
            if run.step >= run.total or run.minutes() >= args.minutes:
                break
    run.save(run.checkpoint)
    run.save(run.out / f"weights_step{run.step}.pt", weights_only=True)
    print(f"stopped at step {run.step} of {run.total} after {run.minutes():.1f} min", flush=True)


if __name__ == "__main__":
    run_script(main)
