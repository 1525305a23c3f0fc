"""Shipped codec weights: safetensors with the config and the frozen coding tables."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import save_file

from selgan.codec import CodecNetwork, build_network
from selgan.config import CodecConfig, from_dict, to_dict
from selgan.tensorfile import read_tagged
from selgan.zoo import sha256_file

FORMAT = "selgan-codec-1"


def save_network(model: CodecNetwork, cfg: CodecConfig, path: str | Path, half: bool = True) -> str:
    """Write weights (fp16 where safe) and integer tables; returns the file's sha256."""
    if not all(m.fitted for m in (model.label_model, model.mask_model, model.latent_model)):
        raise ValueError("fit the label and mask models and call latent_model.update() before saving")
    tensors = {}
    for key, value in model.state_dict().items():
        # Logits only matter for further training; the frozen integer tables are what coding uses.
        if value.is_floating_point() and half:
            value = value.half()
        tensors[key] = value.contiguous()  # the entropy models' integer tables are buffers among them
    save_file(tensors, str(path), metadata={"format": FORMAT, "config": json.dumps(to_dict(cfg))})
    return sha256_file(path)


def load_network(path: str | Path) -> CodecNetwork:
    """Read a file written by save_network into an eval-mode model ready to code."""
    return load_network_and_config(path)[0]


def load_network_and_config(path: str | Path) -> tuple[CodecNetwork, CodecConfig]:
    """load_network, plus the config the file was saved with (to train further from shipped weights)."""
    tensors, metadata = read_tagged(path, FORMAT)
    cfg = from_dict(CodecConfig, json.loads(metadata["config"]))
    model = build_network(cfg)
    model.load_state_dict(tensors)
    return model.eval(), cfg
