"""A small GAN trainer: a generator (codec) step and a discriminator step, framed by ordered hooks."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from selgan.codec import LATENT_STRIDE, CodecNetwork
from selgan.gan.augment import DiffAugment
from selgan.gan.losses import discriminator_loss
from selgan.labels.cells import random_latent_masks
from selgan.labels.resample import one_hot_labels
from selgan.train.distributed import DistInfo, EpochSampler
from selgan.train.objective import CodecObjective


class Hook:
    """Called around every step; hooks see the trainer and the step's logged terms."""

    def before_train(self, trainer: Trainer) -> None: ...

    def before_step(self, trainer: Trainer) -> None: ...

    def after_step(self, trainer: Trainer, terms: dict[str, float]) -> None: ...

    def after_train(self, trainer: Trainer) -> None: ...


class Trainer:
    """Owns models, optimisers and the loop; everything periodic lives in hooks."""

    def __init__(
        self,
        codec: CodecNetwork,
        discriminator: nn.Module,  # MultiScaleDiscriminator, ProjectedDiscriminator, ...: embed() then call; groups
        objective: CodecObjective,
        codec_optimizer: torch.optim.Optimizer,
        disc_optimizer: torch.optim.Optimizer,
        loader: torch.utils.data.DataLoader,
        sampler: EpochSampler,
        hooks: list[Hook],
        dist: DistInfo,
        steps: int,
        warmup_steps: int,
        p_full: float,
        gan_kind: str,
        grad_clip: float,
        amp_dtype: torch.dtype | None,
        ema_decay: float,
        augment: DiffAugment | None = None,
    ) -> None:
        self.codec, self.discriminator, self.objective = codec, discriminator, objective
        self.codec_optimizer, self.disc_optimizer = codec_optimizer, disc_optimizer
        self.loader, self.sampler, self.hooks, self.dist = loader, sampler, hooks, dist
        self.steps, self.warmup_steps, self.p_full = steps, warmup_steps, p_full
        self.gan_kind, self.grad_clip, self.amp_dtype = gan_kind, grad_clip, amp_dtype
        self.ema_decay = ema_decay
        self.augment = augment
        # Frozen parts (pretrained features, random projections) must stay frozen when the rest is toggled.
        self.disc_trainable = [p for p in discriminator.parameters() if p.requires_grad]
        self.ema = copy.deepcopy(codec).eval().requires_grad_(False) if ema_decay > 0 else None
        self.step = 0
        self.stop_requested = False
        if dist.distributed:
            ids = [dist.device.index] if dist.device.type == "cuda" else None
            self.codec_ddp: nn.Module = DistributedDataParallel(codec, device_ids=ids)
            self.disc_ddp: nn.Module = DistributedDataParallel(discriminator, device_ids=ids)
        else:
            self.codec_ddp, self.disc_ddp = codec, discriminator

    @property
    def adversarial(self) -> bool:
        """After the autoencoder warm-up, the discriminator joins."""
        return self.step >= self.warmup_steps

    @property
    def eval_codec(self) -> CodecNetwork:
        """The weights to evaluate and export: the EMA when enabled."""
        return self.ema if self.ema is not None else self.codec

    def train(self) -> None:
        """Run until `steps` (or a hook asks to stop); resumable from any checkpoint."""
        for hook in self.hooks:
            hook.before_train(self)
        while self.step < self.steps and not self.stop_requested:
            for x, labels in self._batches():
                for hook in self.hooks:
                    hook.before_step(self)
                terms = self.run_step(x.to(self.dist.device), labels.to(self.dist.device))
                self.step += 1
                if self.ema is not None:
                    self._update_ema()
                for hook in self.hooks:
                    hook.after_step(self, terms)
                if self.step >= self.steps or self.stop_requested:
                    break
        for hook in self.hooks:
            hook.after_train(self)

    def _batches(self) -> Iterator:
        self.sampler.start_at(self.step)
        self.loader.dataset.set_epoch(self.sampler.epoch)
        return iter(self.loader)

    def run_step(self, x: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
        """One optimisation step: codec, then (adversarial stage) discriminator."""
        codec = self.codec
        stored = codec.stored_labels(labels)  # N,H/8,W/8
        classes = stored[:, :: LATENT_STRIDE // codec.label_downsample, :: LATENT_STRIDE // codec.label_downsample]
        latent_mask = random_latent_masks(classes.cpu(), codec.vocab.ignore_id, self.p_full).to(x.device)
        pixel_mask = F.interpolate(latent_mask, scale_factor=LATENT_STRIDE, mode="nearest")
        one_hot = one_hot_labels(stored, codec.vocab.num_classes)
        terms, disc_batch = self.generator_step(x, stored, one_hot, latent_mask, pixel_mask)
        if disc_batch is not None:
            terms.update(self.discriminator_step(*disc_batch))
        return terms

    def generator_step(self, x, stored, one_hot, latent_mask, pixel_mask) -> tuple[dict[str, float], tuple | None]:
        """Codec update: distortion + rate (+ perceptual) (+ adversarial and feature matching).

        Returns the logged terms and, in the adversarial stage, what the discriminator step needs: the
        frozen part's output for real and (detached) fake images and the label map, all as D saw them.
        """
        with self._autocast():
            result = self.codec_ddp(x, stored, latent_mask)
        x_hat = result["x_hat"].float()
        disc_fake = disc_real = disc_batch = None
        if self.adversarial:
            # The raw discriminator (not its DDP wrapper): this step must not sync or update it.
            _set_requires_grad(self.disc_trainable, False)
            real, fake, labels = self._disc_inputs(x, x_hat, one_hot)
            with self._autocast():
                with torch.no_grad():
                    embedded_real = self.discriminator.embed(real)
                    disc_real = _float(self.discriminator(embedded_real, labels))
                embedded_fake = self.discriminator.embed(fake)
                disc_fake = _float(self.discriminator(embedded_fake, labels))
            # The frozen part's output is reused by the discriminator step (detached): same images, same weights.
            disc_batch = (embedded_real, [e.detach() for e in embedded_fake], labels)
        terms = self.objective(
            x, x_hat, result["bits"]["latent"].float(), pixel_mask, disc_fake, disc_real, self.discriminator.groups
        )
        self.codec_optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.codec.parameters(), self.grad_clip)
        self.codec_optimizer.step()
        _set_requires_grad(self.disc_trainable, True)
        return {k: float(v.detach()) for k, v in terms.items()}, disc_batch

    def _disc_inputs(self, x: torch.Tensor, x_hat: torch.Tensor, one_hot: torch.Tensor):
        """Real, fake and label map as the discriminator sees them: augmented with one shared draw."""
        labels = F.interpolate(one_hot, size=x.shape[-2:], mode="nearest")
        if self.augment is None:
            return x, x_hat, labels
        (real, fake), (labels,) = self.augment([x, x_hat], [labels])
        return real, fake, labels

    def discriminator_step(
        self, embedded_real: list[torch.Tensor], embedded_fake: list[torch.Tensor], labels: torch.Tensor
    ) -> dict[str, float]:
        """Discriminator update on the generator step's real images and detached reconstructions, with their
        label maps."""
        with self._autocast():
            real = _float(self.disc_ddp(embedded_real, labels))
            fake = _float(self.disc_ddp(embedded_fake, labels))
        loss = discriminator_loss(self.gan_kind, real, fake, self.discriminator.groups)
        self.disc_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.disc_trainable, self.grad_clip)
        self.disc_optimizer.step()
        return {"gan_d": float(loss.detach())}

    def _autocast(self):
        return torch.autocast(
            self.dist.device.type, dtype=self.amp_dtype or torch.float32, enabled=self.amp_dtype is not None
        )

    @torch.no_grad()
    def _update_ema(self) -> None:
        for shadow, param in zip(self.ema.parameters(), self.codec.parameters()):
            shadow.lerp_(param, 1 - self.ema_decay)
        for shadow, buffer in zip(self.ema.buffers(), self.codec.buffers()):
            shadow.copy_(buffer)

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly (RNG states are added by the checkpoint writer)."""
        state = {
            "model": self.codec.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "codec_optimizer": self.codec_optimizer.state_dict(),
            "disc_optimizer": self.disc_optimizer.state_dict(),
            "step": self.step,
        }
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        return state

    def load_discriminator_heads(self, weights: dict[str, torch.Tensor]) -> None:
        """Load a discriminator's trained part (save_discriminator); its frozen features stay as built."""
        from selgan.errors import SelganError
        from selgan.train.checkpoint import is_frozen

        own = {k for k in self.discriminator.state_dict() if not is_frozen(k)}
        if set(weights) != own:
            missing, extra = sorted(own - set(weights))[:3], sorted(set(weights) - own)[:3]
            raise SelganError(f"the discriminator file does not fit disc.kind (missing {missing}, unknown {extra})")
        self.discriminator.load_state_dict(weights, strict=False)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Inverse of state_dict; a warm-up checkpoint (codec only) starts a new discriminator."""
        self.codec.load_state_dict(state["model"])
        self.step = state["step"]
        if "discriminator" in state:
            self.discriminator.load_state_dict(state["discriminator"])
            self.disc_optimizer.load_state_dict(state["disc_optimizer"])
        if "codec_optimizer" in state:
            self.codec_optimizer.load_state_dict(state["codec_optimizer"])
        if self.ema is not None:
            self.ema.load_state_dict(state.get("ema", state["model"]))


def _set_requires_grad(params: list[nn.Parameter], flag: bool) -> None:
    for p in params:
        p.requires_grad_(flag)


def _float(outputs: list[list[torch.Tensor]]) -> list[list[torch.Tensor]]:
    return [[t.float() for t in scale] for scale in outputs]
