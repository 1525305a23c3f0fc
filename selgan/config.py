"""Frozen configuration dataclasses, loaded from YAML with unknown keys rejected."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from selgan.errors import SelganError

T = TypeVar("T")


@dataclass(frozen=True)
class CodecConfig:
    """Shape of a CodecNetwork: latent size, quantiser, widths, conditioning."""

    latent_channels: int = 4
    num_centers: int = 5
    vocabulary: str = "camvid"
    encoder_widths: tuple[int, ...] = (32, 64, 128, 192)
    generator_width: int = 192
    generator_blocks: int = 6
    upsample_widths: tuple[int, ...] = (128, 64, 32, 16)
    noise_channels: int = 4
    label_downsample: int = 8
    generator: str = "concat"  # concat | spade (selgan/codec/__init__.py)


def from_dict(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    """Build a flat dataclass from a dict, rejecting unknown keys and values of the wrong type with their path."""
    if not isinstance(data, dict):
        raise SelganError(f"config section {where.rstrip('.') or cls.__name__} must be a mapping, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise SelganError(f"unknown config key(s) {', '.join(where + k for k in unknown)}; known: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    return cls(**{key: _coerce(value, hints[key], where + key) for key, value in data.items()})


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """One config value as its field's type.

    YAML 1.1 reads `1e-4` (no dot) as a string and `3` where a float is meant as an int, so numbers are
    converted; anything that cannot be is one clear error rather than a TypeError deep inside training.
    """
    args = typing.get_args(hint)
    if type(None) in args:
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
        args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)):
            raise SelganError(f"{key} must be a list, got {value!r}")
        return tuple(_coerce(v, args[0], f"{key}[{i}]") for i, v in enumerate(value))  # frozen configs hold tuples
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise SelganError(f"{key} must be true or false, got {value!r}")
    if hint in (int, float):
        number = value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = None
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise SelganError(f"{key} must be a number, got {value!r}")
        if hint is int:
            if not float(number).is_integer():
                raise SelganError(f"{key} must be a whole number, got {value!r}")
            return int(number)
        return float(number)
    if hint is str and not isinstance(value, str):
        raise SelganError(f"{key} must be a string, got {value!r}")
    return value


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
