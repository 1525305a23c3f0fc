"""Bring a training checkpoint from before the architecture change (issue 12) to today's names, once.

Usage: python scripts/convert_checkpoint.py OLD.pt NEW.pt
- `latent_model.cdf_table` (which held frequencies) is `latent_model.freq_table` now, in model and EMA weights;
- `run.sample_every` (never read) is gone from the config.
Checkpoints of the retired `python -m selgan.train.warmup` are not supported: they hold no run config.
"""

from __future__ import annotations

import sys

from selgan.errors import SelganError
from selgan.train.checkpoint import load_checkpoint, save_checkpoint


def convert(state: dict) -> dict:
    """The converted checkpoint (a new dict; the input is not changed)."""
    if "config" not in state or "model" not in state["config"]:
        raise SelganError("not a `selgan train` checkpoint (no run config): warm-up checkpoints cannot be converted")
    state = dict(state)
    for key in ("model", "ema"):
        if key in state:
            state[key] = {
                k.replace("latent_model.cdf_table", "latent_model.freq_table"): v for k, v in state[key].items()
            }
    config = {section: dict(values) for section, values in state["config"].items()}
    config.get("run", {}).pop("sample_every", None)
    state["config"] = config
    return state


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    state = convert(load_checkpoint(sys.argv[1]))
    state.pop("rng", None)  # save_checkpoint writes the current RNG state
    save_checkpoint(sys.argv[2], state)
