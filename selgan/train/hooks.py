"""Trainer hooks. Their order in build_hooks() matters; see the comment there."""

from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from selgan.metrics import msssim, psnr
from selgan.train.checkpoint import save_checkpoint
from selgan.train.trainer import Hook, Trainer


class LearningRateHook(Hook):
    """Constant rates, then a linear decay to 10% over the last (1 - decay_start) of the steps."""

    def __init__(self, lr: float, lr_disc: float, decay_start: float) -> None:
        self.lr, self.lr_disc, self.decay_start = lr, lr_disc, decay_start

    def before_step(self, trainer: Trainer) -> None:
        begin = self.decay_start * trainer.steps
        progress = max(0.0, (trainer.step - begin) / max(1.0, trainer.steps - begin))
        factor = 1.0 - 0.9 * min(progress, 1.0)
        for group in trainer.codec_optimizer.param_groups:
            group["lr"] = self.lr * factor
        for group in trainer.disc_optimizer.param_groups:
            group["lr"] = self.lr_disc * factor


class TimeLimitHook(Hook):
    """Stop after `minutes` of wall time (the checkpoint hook then saves): for runs that resume next session."""

    def __init__(self, minutes: float) -> None:
        self.minutes, self.start = minutes, time.time()

    def before_train(self, trainer: Trainer) -> None:
        self.start = time.time()

    def after_step(self, trainer: Trainer, terms: dict[str, float]) -> None:
        if (time.time() - self.start) / 60 >= self.minutes:
            trainer.stop_requested = True


class LoggingHook(Hook):
    """Every term of every step averaged over `every` steps: JSON lines, TensorBoard scalars, a progress bar."""

    def __init__(self, out: Path, every: int, tensorboard: bool = True) -> None:
        self.out, self.every, self.tensorboard = out, every, tensorboard
        self.sums: dict[str, float] = {}
        self.count, self.writer, self.bar, self.last = 0, None, None, time.time()

    def before_train(self, trainer: Trainer) -> None:
        from tqdm import tqdm

        self.log = (self.out / "log.jsonl").open("a")
        if self.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.out / "tensorboard"))
        self.bar = tqdm(total=trainer.steps, initial=trainer.step, unit="step", dynamic_ncols=True)
        self.last = time.time()

    def after_step(self, trainer: Trainer, terms: dict[str, float]) -> None:
        for k, v in terms.items():
            self.sums[k] = self.sums.get(k, 0.0) + v
        self.count += 1
        self.bar.update(1)
        if trainer.step % self.every:
            return
        now = time.time()
        record = {k: v / self.count for k, v in self.sums.items()}
        record.update(
            step=trainer.step,
            steps_per_s=self.count / max(now - self.last, 1e-9),
            stage="gan" if trainer.adversarial else "autoencoder",
        )
        record["lr"] = trainer.codec_optimizer.param_groups[0]["lr"]
        record["time"] = now
        self.write(trainer, record)
        self.bar.set_postfix(
            {k: f"{v:.4g}" for k, v in record.items() if k in ("loss", "psnr", "bpp_latent_est", "gan_d", "gan_g")}
        )
        self.sums, self.count, self.last = {}, 0, now

    def write(self, trainer: Trainer, record: dict) -> None:
        """One JSON line, and each number as a TensorBoard scalar."""
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()
        if self.writer is not None:
            for k, v in record.items():
                if isinstance(v, (int, float)) and k != "step":
                    self.writer.add_scalar(k, v, trainer.step)

    def after_train(self, trainer: Trainer) -> None:
        self.bar.close()
        self.log.close()
        if self.writer is not None:
            self.writer.close()


class EvalHook(Hook):
    """Full val frames coded in GC mode on CPU: bits of the coded streams, PSNR, MS-SSIM; a sample image to
    TensorBoard."""

    def __init__(
        self, val_dataset, every: int, images: int, logger: LoggingHook, side_model_labels: list[np.ndarray]
    ) -> None:
        self.val, self.every, self.images, self.logger = val_dataset, every, images, logger
        self.side_model_labels = side_model_labels

    def after_step(self, trainer: Trainer, terms: dict[str, float]) -> None:
        if trainer.step % self.every == 0 or trainer.step == trainer.steps:
            self.logger.write(trainer, {"step": trainer.step, **self.evaluate(trainer)})

    @torch.no_grad()
    def evaluate(self, trainer: Trainer) -> dict[str, float]:
        # A CPU copy: freezing tables must not touch the training model's buffers, which DDP
        # broadcasts from rank 0 and would then differ in shape between ranks.
        model = copy.deepcopy(trainer.eval_codec).cpu().eval()
        model.latent_model.update()
        model.fit_side_models(self.side_model_labels)
        bpps, psnrs, msssims = [], [], []
        for i in range(min(self.images, len(self.val))):
            image, labels = self.val.load(i)
            coded = model.compress(image, labels.astype(np.int64), None, None, 0)
            out = model.decompress(coded)
            # The streams' bits; a file adds its container header (about 20 bytes) to these.
            bpps.append(8 * sum(len(s) for s in coded.streams.values()) / (image.shape[0] * image.shape[1]))
            psnrs.append(psnr(image, out))
            msssims.append(msssim(image, out))
            if i == 0 and self.logger.writer is not None:
                self.logger.writer.add_image(
                    "val/reconstruction", np.concatenate([image, out], axis=1), trainer.step, dataformats="HWC"
                )
        return {
            "val_bpp_streams": float(np.mean(bpps)),
            "val_psnr": float(np.mean(psnrs)),
            "val_msssim": float(np.mean(msssims)),
        }


class SnapshotHook(Hook):
    """Every `every` steps, snaps/STEP.pt: the weights evaluation and export use (EMA, fp16), the config and
    the step; candidates for choosing a checkpoint on held-apart frames (benchmarks/select_checkpoint.py)."""

    def __init__(self, folder: Path, every: int, config: dict) -> None:
        self.folder, self.every, self.config = folder, every, config

    def after_step(self, trainer: Trainer, terms: dict[str, float]) -> None:
        if trainer.step % self.every == 0:
            weights = trainer.eval_codec.state_dict()
            save_checkpoint(
                self.folder / f"{trainer.step:06d}.pt",
                {
                    "model": {k: v.half() if v.is_floating_point() else v for k, v in weights.items()},
                    "config": self.config,
                    "codec_config": self.config["model"],
                    "step": trainer.step,
                },
            )


class CheckpointHook(Hook):
    """Atomic checkpoints every `minutes` and at the end; holds the resolved config for resume and export."""

    def __init__(self, path: Path, minutes: float, config: dict) -> None:
        self.path, self.minutes, self.config = path, minutes, config
        self.last = time.time()

    def after_step(self, trainer: Trainer, terms: dict[str, float]) -> None:
        if not math.isfinite(terms.get("loss", 0.0)):
            raise FloatingPointError(
                f"loss became {terms['loss']} at step {trainer.step}; last good checkpoint: {self.path}"
            )
        if time.time() - self.last >= self.minutes * 60:
            self.save(trainer)

    def after_train(self, trainer: Trainer) -> None:
        self.save(trainer)

    def save(self, trainer: Trainer) -> None:
        save_checkpoint(
            self.path, {**trainer.state_dict(), "config": self.config, "codec_config": self.config["model"]}
        )
        self.last = time.time()
