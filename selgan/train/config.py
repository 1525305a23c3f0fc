"""Training configuration: frozen dataclasses, YAML presets in configs/, dotted command-line overrides."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from selgan.config import CodecConfig, from_dict, load_yaml, to_dict
from selgan.errors import SelganError


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


_SECTIONS = {f.name: f.default_factory for f in dataclasses.fields(TrainConfig)}


def load_train_config(path: str | Path | None, overrides: list[str] = ()) -> TrainConfig:
    """YAML preset (or defaults) plus 'section.key=value' overrides; unknown keys rejected."""
    data: dict[str, Any] = load_yaml(path) if path else {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        parts = key.split(".")
        if not sep or len(parts) != 2:
            raise SelganError(f"override {item!r} must look like section.key=value (e.g. optim.steps=100)")
        data.setdefault(parts[0], {})[parts[1]] = yaml.safe_load(raw)
    unknown = sorted(set(data) - set(_SECTIONS))
    if unknown:
        raise SelganError(f"unknown config section(s) {', '.join(unknown)}; known: {', '.join(_SECTIONS)}")
    sections = {}
    for name, factory in _SECTIONS.items():
        cls = type(factory())
        sections[name] = from_dict(cls, data.get(name) or {}, where=f"{name}.")
    return TrainConfig(**sections)


def train_config_to_dict(cfg: TrainConfig) -> dict[str, Any]:
    """The resolved config as plain data (stored in checkpoints and model cards)."""
    return to_dict(cfg)


def train_config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """Inverse of train_config_to_dict."""
    return TrainConfig(
        **{name: from_dict(type(f()), data.get(name, {}), where=f"{name}.") for name, f in _SECTIONS.items()}
    )
