"""Training configuration of all three trainers (codec, segmenter, hyperprior baseline): frozen dataclasses of
sections, YAML presets in configs/, dotted command-line overrides, and the command line they share."""

from __future__ import annotations

import argparse
import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from selgan.config import CodecConfig, from_dict, load_yaml, to_dict
from selgan.errors import SelganError

C = TypeVar("C")


@dataclass(frozen=True)
class DataConfig:
    layout: str = "camvid"  # camvid | cityscapes | folder
    root: str = "camvid"  # absolute, ./- or ../-relative, else under the data root ($SELGAN_DATA)
    train_split: str = "train"
    val_split: str = "val"
    label_vocab: str = "camvid"  # vocabulary of the label files; mapped into the model's
    segmenter: str | None = None  # label unlabelled photos with this zoo segmenter instead of label files
    crop: int = 256
    scale_range: tuple[float, ...] | None = None
    photometric: float = 0.0  # strength of colour augmentation applied to input and target alike (0 = off, 1 = full)
    workers: int = 0


@dataclass(frozen=True)
class LossConfig:
    distortion: str = "mse"  # mse | l1
    distortion_weight: float = 1.0
    synth_distortion_weight: float = 0.1  # distortion weight in synthesised regions (SC)
    msssim_weight: float = 0.0
    perceptual: str = "none"  # none | efficientnet | vgg | auto (VGG if cached, else EfficientNet)
    perceptual_weight: float = 0.0
    perceptual_synth_weight: float = 0.0  # its weight in synthesised regions (SC); 0 = preserved regions only
    lowfreq_weight: float = 0.0  # MSE between 1/lowfreq_factor area-averaged images (colour fidelity)
    lowfreq_factor: int = 16
    gan: str = "lsgan"  # lsgan | hinge | nonsaturating
    gan_weight: float = 1.0
    feature_matching_weight: float = 10.0
    rate_weight: float = 0.01  # beta, per latent bit-per-pixel; 0 keeps the bound C·log2(L)


@dataclass(frozen=True)
class DiscriminatorConfig:
    # patch (PatchGAN trained from scratch) | projected (frozen EfficientNet-Lite features) | fourier (tiles'
    # power spectra), or several joined by '+' (e.g. projected+patch): they judge side by side.
    kind: str = "patch"
    weights: tuple[float, ...] = ()  # one per member of kind, in order (their losses' weights); empty = 1 each
    scales: int = 3  # patch
    base_width: int = 64  # patch
    layers: int = 3  # patch
    spectral_norm: bool = False  # patch (the projected heads and the fourier critic always use it)
    projection_width: int = 32  # projected: width of the random projection at stride 4 (doubling per scale)
    head_width: int = 64  # projected
    fourier_window: int = 64  # fourier: tile side in pixels
    fourier_width: int = 32  # fourier: critic width
    augment: tuple[str, ...] = ()  # DiffAugment policies: color, translation, cutout


@dataclass(frozen=True)
class OptimConfig:
    batch: int = 8
    steps: int = 20000
    warmup_steps: int = 5000  # autoencoder stage: no adversary before this step
    lr: float = 3e-4
    lr_disc: float = 2e-4
    lr_decay_start: float = 0.8  # share of steps after which the learning rates decay linearly to 10%
    grad_clip: float = 1.0
    ema: float = 0.0  # decay of an exponential moving average of the codec weights; 0 = off
    amp: str = "auto"  # auto (bf16 where the hardware has it natively, else fp32) | bf16 | none
    p_full: float = 0.5  # share of samples with the full mask (GC); 1.0 trains a pure GC model
    seed: int = 0


@dataclass(frozen=True)
class RunConfig:
    log_every: int = 20
    eval_every: int = 1000
    eval_images: int = 4
    checkpoint_minutes: float = 5.0
    snapshot_every: int = 0  # also keep snaps/STEP.pt (EMA weights, fp16) every this many steps, for choosing; 0 = off
    threads: int = 0  # 0 = torch's default


@dataclass(frozen=True)
class TrainConfig:
    model: CodecConfig = field(default_factory=CodecConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    disc: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunConfig = field(default_factory=RunConfig)


# The built-in segmenter's trainer (selgan/train/segmenter.py).


@dataclass(frozen=True)
class SegmenterDataConfig:
    layout: str = "camvid"  # camvid | cityscapes | folder
    root: str = "camvid"  # as DataConfig.root
    split: str = "train"
    label_vocab: str = "camvid"  # vocabulary of the label files; mapped to CamVid's
    crop: int = 384
    workers: int = 0
    # Simulated light and weather (selgan.degrade): this share of training crops is turned into one of these
    # conditions, drawn uniformly, so the network learns them (and to doubt itself in them); "" = none.
    conditions: str = ""
    condition_share: float = 0.0


@dataclass(frozen=True)
class SegmenterModelConfig:
    arch: str = "fpn"  # fpn | deeplabv3plus (a run started with --init keeps its source's shape)
    decoder_channels: int = 128
    refine_channels: int = 0  # a 1/2-resolution refinement head this wide (fpn; added to an --init network as a no-op)


@dataclass(frozen=True)
class SegmenterOptimConfig:
    batch: int = 8
    lr: float = 1e-3
    steps: int = 20000  # length of the poly schedule
    # Shorten the schedule so that it ends within --minutes, at the speed of the first 50 steps, planning for
    # this share of the time left (lower when other jobs may join the machine later); 0 = keep optim.steps.
    fit_share: float = 0.0
    lovasz_weight: float = 0.0  # weight of the Lovász-softmax IoU loss added to the cross-entropy
    lovasz_pixels: int = 2**16  # pixels per batch the Lovász loss is computed on, drawn at random
    amp: str = "auto"  # auto (bf16 where the hardware has it natively, else fp32) | bf16 | none
    seed: int = 0


@dataclass(frozen=True)
class SegmenterRunConfig:
    checkpoint_minutes: float = 5.0
    snapshot_minutes: float = 0.0  # also keep weights_stepN.pt (fp16) every this many minutes; 0 = only at the end
    log_every: int = 50
    threads: int = 0  # 0 = torch's default
    device: str = "auto"  # auto (cuda where there is one) | cpu | cuda


@dataclass(frozen=True)
class SegmenterTrainConfig:
    data: SegmenterDataConfig = field(default_factory=SegmenterDataConfig)
    model: SegmenterModelConfig = field(default_factory=SegmenterModelConfig)
    optim: SegmenterOptimConfig = field(default_factory=SegmenterOptimConfig)
    run: SegmenterRunConfig = field(default_factory=SegmenterRunConfig)


# The learned MSE baseline's trainer (selgan/train/hyperprior.py).


@dataclass(frozen=True)
class HyperpriorDataConfig:
    layout: str = "camvid"
    root: str = "camvid"
    split: str = "train"
    crop: int = 128


@dataclass(frozen=True)
class HyperpriorModelConfig:
    n: int = 64  # CompressAI's N and M
    m: int = 96


@dataclass(frozen=True)
class HyperpriorOptimConfig:
    lmbda: float = 0.0009  # rate–distortion trade-off (CompressAI's λ)
    batch: int = 8
    lr: float = 3e-4
    aux_lr: float = 1e-3  # the entropy bottleneck's quantiles
    grad_clip: float = 1.0
    steps: int = 0  # stop at this step; 0 = only --minutes stops the run
    seed: int = 0


@dataclass(frozen=True)
class HyperpriorRunConfig:
    checkpoint_minutes: float = 5.0
    log_every: int = 50
    threads: int = 1


@dataclass(frozen=True)
class HyperpriorTrainConfig:
    data: HyperpriorDataConfig = field(default_factory=HyperpriorDataConfig)
    model: HyperpriorModelConfig = field(default_factory=HyperpriorModelConfig)
    optim: HyperpriorOptimConfig = field(default_factory=HyperpriorOptimConfig)
    run: HyperpriorRunConfig = field(default_factory=HyperpriorRunConfig)


def add_trainer_arguments(parser: argparse.ArgumentParser, example: str) -> None:
    """The command line every trainer shares: CONFIG [section.key=value ...] --out RUN [--resume] [--minutes M]."""
    parser.add_argument("config", nargs="?", help=f"YAML preset, e.g. {example}")
    parser.add_argument("overrides", nargs="*", help="section.key=value, e.g. optim.steps=2000 data.crop=192")
    parser.add_argument("--out", type=Path, required=True, help="run folder (checkpoint.pt, log.jsonl, ...)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out (with its own config)")
    parser.add_argument("--minutes", type=float, default=math.inf, help="stop (and checkpoint) after this wall time")


def config_and_overrides(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """The preset and overrides of add_trainer_arguments (argparse takes a lone override for the preset)."""
    if args.config and "=" in args.config:
        return None, [args.config, *args.overrides]
    return args.config, list(args.overrides)


def run_config(cls: type[C], args: argparse.Namespace, state: dict | None) -> C:
    """A resumed run keeps its own config (state["train_config"]); a new one takes the preset and overrides."""
    if state is not None:
        if args.config or args.overrides:
            warnings.warn("the preset and overrides are ignored when resuming; the run's config is used", stacklevel=2)
        return sections_from_dict(cls, state["train_config"])
    return load_sections(cls, *config_and_overrides(args))


def resume_checkpoint(out: Path, resume: bool) -> Path | None:
    """The run's checkpoint to continue from (with resume), None for a new run; refuses to overwrite a run."""
    checkpoint = out / "checkpoint.pt"
    if checkpoint.exists() and not resume:
        raise SelganError(f"{checkpoint} exists: pass --resume to continue it, or choose another --out")
    return checkpoint if checkpoint.exists() else None


def load_sections(cls: type[C], path: str | Path | None, overrides: Sequence[str] = ()) -> C:
    """A trainer's config (a dataclass of section dataclasses): YAML preset (or defaults) plus
    'section.key=value' overrides; unknown sections and keys rejected with their path."""
    data: dict[str, Any] = load_yaml(path) if path else {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        parts = key.split(".")
        if not sep or len(parts) != 2:
            raise SelganError(f"override {item!r} must look like section.key=value (e.g. optim.steps=100)")
        data.setdefault(parts[0], {})[parts[1]] = yaml.safe_load(raw)
    return sections_from_dict(cls, data)


def sections_from_dict(cls: type[C], data: dict[str, Any]) -> C:
    """Inverse of config_to_dict for a dataclass of sections (also reads a checkpoint's stored config)."""
    sections = {f.name: type(f.default_factory()) for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise SelganError(f"unknown config section(s) {', '.join(unknown)}; known: {', '.join(sections)}")
    return cls(**{name: from_dict(kind, data.get(name) or {}, where=f"{name}.") for name, kind in sections.items()})


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """The resolved config as plain data (stored in checkpoints and model cards)."""
    return to_dict(cfg)


def load_train_config(path: str | Path | None, overrides: Sequence[str] = ()) -> TrainConfig:
    """The codec trainer's config: load_sections for TrainConfig."""
    return load_sections(TrainConfig, path, overrides)


def train_config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """A codec run's stored config (inverse of config_to_dict)."""
    return sections_from_dict(TrainConfig, data)
