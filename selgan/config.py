"""Frozen configuration dataclasses, loaded from YAML with unknown keys rejected."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from selgan.errors import SelganError

T = TypeVar("T")


@dataclass(frozen=True)
class CodecConfig:
    """Shape of a SelectiveCodec: latent size, quantiser, widths, conditioning."""

    latent_channels: int = 4
    num_centers: int = 5
    vocabulary: str = "camvid"
    encoder_widths: tuple[int, ...] = (32, 64, 128, 192)
    generator_width: int = 192
    generator_blocks: int = 6
    upsample_widths: tuple[int, ...] = (128, 64, 32, 16)
    noise_channels: int = 4
    label_downsample: int = 8


def from_dict(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    """Build a flat dataclass from a dict, rejecting unknown keys with their path."""
    if not isinstance(data, dict):
        raise SelganError(f"config section {where.rstrip('.') or cls.__name__} must be a mapping, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise SelganError(f"unknown config key(s) {', '.join(where + k for k in unknown)}; known: {', '.join(fields)}")
    # Frozen configs hold tuples, YAML gives lists.
    return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


def to_dict(obj: Any) -> dict[str, Any]:
    """A dataclass as plain YAML/JSON-friendly data."""
    return _plain(dataclasses.asdict(obj))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping with a clear error when the file is missing or not a mapping."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise SelganError(f"{path}: no such config file") from None
    except yaml.YAMLError as exc:
        raise SelganError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise SelganError(f"{path}: must hold a mapping of keys to values")
    return data

