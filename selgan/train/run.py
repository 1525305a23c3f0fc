"""`selgan train`: config -> datasets, models, objective, trainer and hooks; then train.

Single process: `selgan train configs/camvid_sc_c4.yaml --out ~/selgan-runs/NAME`.
Many: `torchrun --nproc_per_node=N -m selgan train CONFIG --out DIR` (same flags; rank 0 logs and saves).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from selgan.backbones import FeaturePyramid
from selgan.codec import CodecNetwork, build_network
from selgan.config import CodecConfig, from_dict, load_yaml
from selgan.datasets import LAYOUTS, data_path, unlabelled_pairs
from selgan.errors import SelganError
from selgan.gan.augment import DiffAugment
from selgan.gan.discriminator import MultiScaleDiscriminator
from selgan.gan.ensemble import DiscriminatorSet
from selgan.gan.fourier import FourierDiscriminator
from selgan.gan.perceptual import build_perceptual_loss
from selgan.gan.projected import ProjectedDiscriminator
from selgan.labels.vocab import get_mapping
from selgan.registry import Registry
from selgan.train.checkpoint import load_checkpoint, load_discriminator, set_rng_state
from selgan.train.config import (
    DiscriminatorConfig,
    LossConfig,
    TrainConfig,
    config_to_dict,
    load_train_config,
    resume_checkpoint,
    train_config_from_dict,
)
from selgan.train.data import PairDataset
from selgan.train.distributed import DistInfo, EpochSampler, init_distributed, shutdown_distributed
from selgan.train.hooks import CheckpointHook, EvalHook, LearningRateHook, LoggingHook, SnapshotHook, TimeLimitHook
from selgan.train.objective import CodecObjective
from selgan.train.precision import amp_dtype
from selgan.train.trainer import Hook, Trainer
from selgan.train.widen import drop_head_noise, head_noise_channels, latent_channels_of, widen_latent


def build_datasets(cfg: TrainConfig, model: CodecNetwork) -> tuple[PairDataset, PairDataset]:
    """Train (augmented) and val (full frames) datasets with labels in the model's vocabulary."""
    data = cfg.data
    segmenter = None
    if data.segmenter:
        from selgan.segment import get_segmenter

        segmenter = get_segmenter("builtin", name=data.segmenter)
        pairs_of = unlabelled_pairs
    else:
        pairs_of = LAYOUTS[data.layout]
    mapping = None if segmenter else get_mapping(data.label_vocab, model.vocab.name)
    common = dict(label_mapping=mapping, segmenter=segmenter, seed=cfg.optim.seed)
    scale = tuple(data.scale_range) if data.scale_range else None
    root = data_path(data.root)
    train = PairDataset(
        pairs_of(root, data.train_split),
        data.crop,
        True,
        scale,
        model.vocab.ignore_id,
        photometric=data.photometric,
        **common,
    )
    val = PairDataset(pairs_of(root, data.val_split), None, False, **common)
    return train, val


def build_trainer(cfg: TrainConfig, out: Path, dist: DistInfo, minutes: float) -> Trainer:
    """Everything the run needs, built from the config (the only place the config is unpacked)."""
    torch.manual_seed(cfg.optim.seed)
    model = build_network(cfg.model).to(dist.device)
    loss = cfg.loss
    # One frozen EfficientNet serves the projected discriminator and the perceptual loss alike.
    wants_features = "projected" in discriminator_members(cfg.disc) or (
        loss.perceptual_weight and loss.perceptual in ("efficientnet", "auto")
    )
    features = FeaturePyramid() if wants_features else None
    disc = build_discriminator(cfg.disc, model.vocab.num_classes, features).to(dist.device)
    objective = build_objective(loss, features).to(dist.device)
    train, val = build_datasets(cfg, model)
    sampler = EpochSampler(len(train), cfg.optim.batch, cfg.optim.seed, dist.rank, dist.world_size)
    # Its own generator: a new iterator (every epoch, and on resume) must not draw from the global RNG,
    # which drives masks and noise and is restored exactly on resume.
    loader = DataLoader(
        train,
        batch_size=cfg.optim.batch,
        sampler=sampler,
        num_workers=cfg.data.workers,
        drop_last=True,
        generator=torch.Generator().manual_seed(cfg.optim.seed),
    )
    trainer = Trainer(
        codec=model,
        discriminator=disc,
        objective=objective,
        codec_optimizer=torch.optim.Adam(model.parameters(), lr=cfg.optim.lr, betas=(0.5, 0.999)),
        disc_optimizer=torch.optim.Adam(
            [p for p in disc.parameters() if p.requires_grad], lr=cfg.optim.lr_disc, betas=(0.5, 0.999)
        ),
        loader=loader,
        sampler=sampler,
        hooks=[],
        dist=dist,
        steps=cfg.optim.steps,
        warmup_steps=cfg.optim.warmup_steps,
        p_full=cfg.optim.p_full,
        gan_kind=loss.gan,
        grad_clip=cfg.optim.grad_clip,
        amp_dtype=amp_dtype(cfg.optim.amp, dist.device),
        ema_decay=cfg.optim.ema,
        augment=DiffAugment(cfg.disc.augment) if cfg.disc.augment else None,
    )
    trainer.hooks = build_hooks(cfg, out, dist, minutes, val, _side_model_labels(train, model))
    return trainer


def build_objective(loss: LossConfig, features: FeaturePyramid | None) -> CodecObjective:
    """The generator-side loss from its config section (the perceptual term shares the frozen features)."""
    perceptual = build_perceptual_loss(loss.perceptual, features) if loss.perceptual_weight else None
    return CodecObjective(
        loss.distortion,
        loss.distortion_weight,
        loss.synth_distortion_weight,
        loss.msssim_weight,
        perceptual,
        loss.perceptual_weight,
        loss.perceptual_synth_weight,
        loss.lowfreq_weight,
        loss.lowfreq_factor,
        loss.gan,
        loss.gan_weight,
        loss.feature_matching_weight,
        loss.rate_weight,
    )


def _patch(cfg: DiscriminatorConfig, num_classes: int, features: FeaturePyramid | None) -> nn.Module:
    return MultiScaleDiscriminator(num_classes, cfg.scales, cfg.base_width, cfg.layers, cfg.spectral_norm)


def _projected(cfg: DiscriminatorConfig, num_classes: int, features: FeaturePyramid | None) -> nn.Module:
    return ProjectedDiscriminator(features, num_classes, cfg.projection_width, cfg.head_width)


def _fourier(cfg: DiscriminatorConfig, num_classes: int, features: FeaturePyramid | None) -> nn.Module:
    return FourierDiscriminator(num_classes, cfg.fourier_window, cfg.fourier_width)


# disc.kind names one of these, or several joined by '+'.
DISCRIMINATORS: Registry = Registry("discriminator")
DISCRIMINATORS.register("patch")(_patch)
DISCRIMINATORS.register("projected")(_projected)
DISCRIMINATORS.register("fourier")(_fourier)


def discriminator_members(cfg: DiscriminatorConfig) -> list[str]:
    """The member names of disc.kind ('projected+patch' -> ['projected', 'patch']), checked."""
    names = cfg.kind.split("+")
    for name in names:
        DISCRIMINATORS[name]  # an unknown name: one message listing the known ones
    if len(set(names)) != len(names):
        raise SelganError(f"disc.kind {cfg.kind!r}: name each discriminator at most once")
    if cfg.weights and len(cfg.weights) != len(names):
        raise SelganError(f"disc.weights has {len(cfg.weights)} values for the {len(names)} members of {cfg.kind!r}")
    return names


def build_discriminator(cfg: DiscriminatorConfig, num_classes: int, features: FeaturePyramid | None) -> nn.Module:
    """The configured discriminator, or a DiscriminatorSet of several judging side by side with their weights."""
    names = discriminator_members(cfg)
    members = [DISCRIMINATORS[name](cfg, num_classes, features) for name in names]
    if len(members) == 1 and not cfg.weights:
        return members[0]  # a single discriminator keeps its own state-dict keys (older checkpoints load)
    return DiscriminatorSet(members, list(cfg.weights or [1.0] * len(members)))


def build_hooks(
    cfg: TrainConfig, out: Path, dist: DistInfo, minutes: float, val: PairDataset, side_labels: list[np.ndarray]
) -> list[Hook]:
    """Order: learning rate before the step; after it, the time limit (sets a flag only), logging (so a
    failing evaluation still leaves the step's numbers), evaluation, snapshots, and last the checkpoint,
    which then holds everything the step changed. Only rank 0 logs, evaluates and saves."""
    hooks: list[Hook] = [LearningRateHook(cfg.optim.lr, cfg.optim.lr_disc, cfg.optim.lr_decay_start)]
    if math.isfinite(minutes):
        hooks.append(TimeLimitHook(minutes))
    if dist.is_main:
        logger = LoggingHook(out, cfg.run.log_every)
        hooks += [
            logger,
            EvalHook(val, cfg.run.eval_every, cfg.run.eval_images, logger, side_labels),
        ]
        if cfg.run.snapshot_every:
            hooks.append(SnapshotHook(out / "snaps", cfg.run.snapshot_every, config_to_dict(cfg)))
        hooks.append(CheckpointHook(out / "checkpoint.pt", cfg.run.checkpoint_minutes, config_to_dict(cfg)))
    return hooks


def resolve_config(config: str | None, overrides: list[str], state: dict | None, resumed: bool) -> TrainConfig:
    """A resumed run keeps its own config; an initialised one takes the preset with the source's codec shape.

    The exceptions: a preset (or override) may ask for more latent channels than the source has (the
    source is then widened), or for fewer noise channels at the latent's resolution (model.noise_channels;
    the source's head then drops them): selgan/train/widen.py.
    """
    if state is not None and resumed:
        if overrides:
            warnings.warn("overrides are ignored when resuming; the checkpoint's config is used", stacklevel=2)
        return train_config_from_dict(state["config"])
    cfg = load_train_config(config, overrides)
    if state is not None:
        source = from_dict(CodecConfig, state["codec_config"])
        asked = config is not None or any(o.startswith("model.latent_channels=") for o in overrides)
        channels = cfg.model.latent_channels if asked else source.latent_channels
        preset = (load_yaml(config) or {}).get("model", {}) if config else {}
        noise_asked = "noise_channels" in preset or any(o.startswith("model.noise_channels=") for o in overrides)
        noise = cfg.model.noise_channels if noise_asked else source.noise_channels
        cfg = dataclasses.replace(
            cfg, model=dataclasses.replace(source, latent_channels=channels, noise_channels=noise)
        )
    return cfg


def _side_model_labels(train: PairDataset, model: CodecNetwork, limit: int = 100) -> list[np.ndarray]:
    """Stored-resolution label maps of some training frames, to fit the label coder used in evaluation."""
    return model.stored_label_maps(train.load(i)[1] for i in range(min(limit, len(train))))


def load_init_source(source: Path | str) -> dict:
    """A run's checkpoint, or shipped weights (a .safetensors file or a zoo model name) as a step-0 start.

    Shipped weights hold the codec only, in fp16 with frozen coding tables: training continues from
    fp32 copies with a new discriminator, and export fits the tables again.
    """
    from selgan import zoo
    from selgan.config import to_dict
    from selgan.entropy.tables import table_keys
    from selgan.weights import load_network_and_config

    path = Path(source)
    if path.suffix != ".safetensors" and not path.exists() and str(source) in zoo.specs("codec"):
        path = zoo.weights_path(zoo.get_spec(str(source), "codec"))
    if path.suffix != ".safetensors":
        return load_checkpoint(path)
    if not path.is_file():
        raise SelganError(f"{path}: no such weights file")
    codec, cfg = load_network_and_config(path)
    model = codec.state_dict()
    for key in table_keys(codec):  # a training codec holds no tables yet: export fits them again
        model[key] = model[key][:0]
    return {"model": model, "codec_config": to_dict(cfg), "step": 0}


def train_main(
    config: str | None,
    out: Path,
    overrides: list[str],
    resume: bool,
    minutes: float,
    init: Path | str | None = None,
    init_discriminator: Path | None = None,
) -> int:
    """Run (or continue, with resume) a training run in `out`; `init` starts from another run's codec weights and step,
    or from shipped weights (load_init_source); `init_discriminator` adds the trained discriminator of a run
    (checkpoint.save_discriminator) so that a continuation on another machine does not start its adversary anew."""
    dist = init_distributed()
    try:
        ckpt = resume_checkpoint(out, resume)
        resumed = ckpt is not None
        source = ckpt if resumed else init
        state = load_init_source(source) if source is not None else None
        cfg = resolve_config(config, overrides, state, resumed)
        if cfg.run.threads:
            torch.set_num_threads(cfg.run.threads)
        torch.backends.cudnn.benchmark = True  # fixed crop sizes: let cuDNN pick its fastest kernels
        out.mkdir(parents=True, exist_ok=True)
        trainer = build_trainer(cfg, out, dist, minutes)
        if state is not None:
            if not resumed:  # --init: the codec's weights and step only; the discriminator and optimisers start fresh
                state = {"model": state["model"], "step": state["step"]}
            if latent_channels_of(state["model"]) != cfg.model.latent_channels:
                state = {"model": widen_latent(state["model"], trainer.codec), "step": state["step"]}
            if head_noise_channels(state["model"], trainer.codec) != cfg.model.noise_channels:
                state = {"model": drop_head_noise(state["model"], trainer.codec), "step": state["step"]}
            trainer.load_state_dict(state)
            if resumed:
                set_rng_state(state["rng"])  # after building, which seeds: masks and noise continue exactly
        if init_discriminator is not None and not resumed:
            weights, saved_disc, _ = load_discriminator(init_discriminator)
            if saved_disc.get("kind") != cfg.disc.kind:
                raise SelganError(
                    f"{init_discriminator} holds a {saved_disc.get('kind')!r} discriminator, not disc.kind "
                    f"{cfg.disc.kind!r}"
                )
            trainer.load_discriminator_heads(weights)
        trainer.train()
    finally:
        shutdown_distributed()
    return 0
