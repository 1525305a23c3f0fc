"""Seconds per training step in fp32 and in bf16 autocast on this machine, for a codec preset and the segmenter.

Usage: python benchmarks/step_precision.py [--config configs/camvid_sc_c8.yaml] [--runs 3] [--threads 2]
Prints what `amp=auto` picks here and the median step time (after one warm-up step) of:
- the codec preset's adversarial step (batch 8, 256² crops), optim.amp=none and optim.amp=bf16;
- the built-in segmenter's step (batch 8, 384² crops, channels-last), --amp none and --amp bf16.
This is the measurement behind selgan.train.precision: emulated bf16 is several times slower than fp32.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from selgan.segment.smp_net import SegNetConfig, build_segnet, normalize
from selgan.train.config import load_train_config
from selgan.train.distributed import DistInfo
from selgan.train.precision import amp_dtype
from selgan.train.run import build_trainer


def median_seconds(step, runs: int) -> float:
    step()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def codec_step(config: Path, amp: str, runs: int) -> float:
    cfg = load_train_config(config, ["optim.batch=8", "data.crop=256", "optim.warmup_steps=0", f"optim.amp={amp}"])
    trainer = build_trainer(cfg, Path("/tmp/selgan-precision-timing"), DistInfo(), float("inf"))
    x, labels = next(iter(trainer.loader))
    return median_seconds(lambda: trainer.run_step(x, labels), runs)


def segmenter_step(amp: str, runs: int) -> float:
    cfg = SegNetConfig(arch="fpn", decoder_channels=128, refine_channels=32)
    model = build_segnet(cfg).to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.rand(8, 3, 384, 384).to(memory_format=torch.channels_last)
    target = torch.randint(0, cfg.num_classes, (8, 384, 384))
    dtype = amp_dtype(amp, torch.device("cpu"))

    def step() -> None:
        with torch.autocast("cpu", dtype=dtype or torch.float32, enabled=dtype is not None):
            logits = model(normalize(x))
        loss = F.cross_entropy(logits.float(), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return median_seconds(step, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("configs/camvid_sc_c8.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    auto = amp_dtype("auto", torch.device("cpu"))
    result = {"auto_picks": str(auto or "fp32"), "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    for amp in ("none", "bf16"):
        result[f"codec_{amp}_s"] = round(codec_step(args.config, amp, args.runs), 2)
        result[f"segmenter_{amp}_s"] = round(segmenter_step(amp, args.runs), 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
