"""Atomic, resumable training checkpoints."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write state to a temp file in the same folder, then rename: a kill never leaves a torn file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {**state, "rng": rng_state()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by save_checkpoint (call set_rng_state(state['rng']) to continue exactly)."""
    from selgan.errors import SelganError

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise SelganError(f"{path}: no such checkpoint") from None
    except Exception as exc:  # torn or foreign files raise zip/pickle errors of many types
        raise SelganError(f"{path}: not a readable checkpoint ({exc.__class__.__name__}: {exc})") from None


def rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states as tensors and plain types (weights_only-loadable)."""
    np_state = np.random.get_state()
    return {
        "python": list(random.getstate()[1]),
        "numpy": torch.from_numpy(np_state[1].astype(np.int64)),
        "numpy_pos": int(np_state[2]),
        "torch": torch.get_rng_state(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Inverse of rng_state."""
    random.setstate((3, tuple(state["python"]), None))
    np.random.set_state(("MT19937", state["numpy"].numpy().astype(np.uint32), state["numpy_pos"], 0, 0.0))
    torch.set_rng_state(state["torch"])


def slim_checkpoint(source: str | Path, target: str | Path) -> None:
    """Keep what evaluation, export and `--init` need: the codec's (EMA) weights in fp16, config and step.

    No optimiser states and no discriminator: a fraction of the size, for moving runs between machines.
    """
    state = load_checkpoint(source)
    weights = state.get("ema", state["model"])
    slim = {
        "model": {k: v.half() if v.is_floating_point() else v for k, v in weights.items()},
        "config": state["config"],
        "codec_config": state.get("codec_config", state["config"]),
        "step": state["step"],
    }
    save_checkpoint(target, slim)


def is_frozen(key: str) -> bool:
    """A discriminator entry loaded from pretrained files and never trained (the ImageNet features)."""
    return f".{key}".find(".features.") >= 0


def save_discriminator(source: str | Path, target: str | Path) -> None:
    """The trained part of a run's discriminator (heads, PatchGAN, critic; not the frozen ImageNet features) in
    fp16 safetensors, with the discriminator config and step: with the shipped codec weights, what a run on
    another machine needs to continue (`selgan train --init MODEL --init-discriminator FILE`)."""
    import json

    from safetensors.torch import save_file

    state = load_checkpoint(source)
    heads = {
        k: (v.half() if v.is_floating_point() else v).contiguous()
        for k, v in state["discriminator"].items()
        if not is_frozen(k)
    }
    meta = {"disc": json.dumps(state["config"]["disc"]), "step": str(state["step"])}
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    save_file(heads, str(target), metadata=meta)


def load_discriminator(path: str | Path) -> tuple[dict[str, torch.Tensor], dict, int]:
    """(weights, disc config as saved, step) of a file written by save_discriminator."""
    import json

    from safetensors import safe_open

    from selgan.errors import SelganError

    try:
        with safe_open(str(path), "pt") as handle:
            meta = handle.metadata() or {}
            weights = {k: handle.get_tensor(k).float() for k in handle.keys()}
    except Exception as exc:  # missing, torn or foreign files fail in several ways
        raise SelganError(f"{path}: not a discriminator file ({exc.__class__.__name__}: {exc})") from None
    if "disc" not in meta:
        raise SelganError(f"{path}: not a discriminator file written by save_discriminator (no config)")
    return weights, json.loads(meta["disc"]), int(meta.get("step", 0))


if __name__ == "__main__":
    import sys

    usage = "usage: python -m selgan.train.checkpoint slim|discriminator CHECKPOINT OUT"
    if len(sys.argv) != 4 or sys.argv[1] not in ("slim", "discriminator"):
        sys.exit(usage)
    (slim_checkpoint if sys.argv[1] == "slim" else save_discriminator)(sys.argv[2], sys.argv[3])
