"""Safetensors files with a format tag in their metadata: the one reader all shipped weights use."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file

from selgan.errors import ModelNotFoundError


def read_tagged(path: str | Path, fmt: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors, metadata) of a safetensors file whose metadata 'format' is fmt; floats come back as float32."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelNotFoundError(f"{path}: not a readable weights file ({exc})") from None
    if metadata.get("format") != fmt:
        raise ModelNotFoundError(f"{path}: not a {fmt} weights file")
    return {k: (v.float() if v.is_floating_point() else v) for k, v in tensors.items()}, metadata
