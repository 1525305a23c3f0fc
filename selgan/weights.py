"""Shipped codec weights: safetensors with the config and the frozen coding tables."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors.torch import save_file

from selgan.codec import SelectiveCodec, build_codec
from selgan.config import CodecConfig, from_dict, to_dict
from selgan.entropy import LabelMapModel, MaskModel
from selgan.tensorfile import read_tagged

FORMAT = "selgan-codec-1"


def save_codec(model: SelectiveCodec, cfg: CodecConfig, path: str | Path, half: bool = True) -> str:
    """Write weights (fp16 where safe) and integer tables; returns the file's sha256."""
    if model.label_model is None or model.mask_model is None or model.latent_model.cdf_table.numel() == 0:
        raise ValueError("fit the label and mask models and call latent_model.update() before saving")
    tensors = {}
    for key, value in model.state_dict().items():
        # Logits only matter for further training; the frozen integer tables are what coding uses.
        if value.is_floating_point() and half:
            value = value.half()
        tensors[key] = value.contiguous()
    tensors["label_model.table"] = torch.from_numpy(model.label_model.table.astype("int32"))
    tensors["mask_model.table"] = torch.from_numpy(model.mask_model.table.astype("int32"))
    save_file(tensors, str(path), metadata={"format": FORMAT, "config": json.dumps(to_dict(cfg))})
    return sha256_file(path)


def load_codec(path: str | Path) -> SelectiveCodec:
    """Read a file written by save_codec into an eval-mode model ready to code."""
    return load_codec_and_config(path)[0]


def load_codec_and_config(path: str | Path) -> tuple[SelectiveCodec, CodecConfig]:
    """load_codec, plus the config the file was saved with (to train further from shipped weights)."""
    tensors, metadata = read_tagged(path, FORMAT)
    cfg = from_dict(CodecConfig, json.loads(metadata["config"]))
    model = build_codec(cfg)
    model.label_model = LabelMapModel(model.vocab.num_classes, tensors.pop("label_model.table").numpy().astype("uint32"))
    model.mask_model = MaskModel(tensors.pop("mask_model.table").numpy().astype("uint32"))
    model.load_state_dict(tensors)
    return model.eval(), cfg


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
