"""Freeze a training checkpoint into shipped weights: fitted coding tables, fp16 safetensors, card, manifest.

Usage: selgan export CHECKPOINT -o pretrained/camvid-gc-c4 [--data ../shared/data/camvid]
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from selgan.api import Codec
from selgan.codec import build_network
from selgan.config import CodecConfig, from_dict
from selgan.errors import SelganError
from selgan.metrics import psnr
from selgan.train.checkpoint import load_checkpoint
from selgan.train.config import TrainConfig, train_config_from_dict
from selgan.train.data import PairDataset
from selgan.train.run import build_datasets
from selgan.weights import load_network, save_network
from selgan.zoo import update_manifest


def measure(codec: Codec, val: PairDataset, count: int, preserve: list[str] | None) -> dict[str, float]:
    """Mean real bpp, PSNR (whole image) and encode/decode seconds over real round trips."""
    bpps, psnrs, enc, dec = [], [], [], []
    for index in range(min(count, len(val))):
        image, labels = val.load(index)
        t0 = time.perf_counter()
        bitstream = codec.compress(image, preserve=preserve, labels=labels.astype(np.int64), guard="off")
        data = bitstream.to_bytes()
        t1 = time.perf_counter()
        out = np.asarray(codec.decompress(data))
        t2 = time.perf_counter()
        bpps.append(len(data) * 8 / (image.shape[0] * image.shape[1]))
        psnrs.append(psnr(image, out))
        enc.append(t1 - t0)
        dec.append(t2 - t1)
    return {
        "bpp": float(np.mean(bpps)),
        "psnr": float(np.mean(psnrs)),
        "encode_s": float(np.median(enc)),
        "decode_s": float(np.median(dec)),
        "images": len(bpps),
    }


def export_checkpoint(
    checkpoint: Path,
    output: Path,
    name: str,
    data: dict[str, str],
    description: str,
    segmenter: str | None,
    eval_images: int,
    preserve: tuple[str, ...] = (),
) -> dict:
    """Fit tables, write `output/name.safetensors`, measure real files on val, write the card and manifest entry.

    data: overrides of the run's data settings (root, layout, val_split), e.g. for a run trained on another machine.
    """
    state = load_checkpoint(checkpoint)
    if "config" not in state or "codec_config" not in state:
        raise SelganError(f"{checkpoint}: not a `selgan train` checkpoint (no run config)")
    cfg = from_dict(CodecConfig, state["codec_config"])
    run = _run_config(state, data)
    model = build_network(cfg)
    model.load_state_dict(state.get("ema", state["model"]))
    model.latent_model.update()
    train, val = build_datasets(run, model)
    model.fit_side_models(model.stored_label_maps(train.load(i)[1] for i in range(len(train))))
    output.mkdir(parents=True, exist_ok=True)
    weights_file = output / f"{name}.safetensors"
    sha = save_network(model, cfg, weights_file)
    codec = Codec(load_network(weights_file), name, bytes.fromhex(sha[:8]))
    results = {"global": measure(codec, val, eval_images, None)}
    if preserve:
        results[f"selective ({', '.join(preserve)})"] = measure(codec, val, eval_images, list(preserve))
    card = output / f"{name}.md"
    card.write_text(_card(name, description, data, cfg, state, sha, results))
    extra = {"segmenter": segmenter} if segmenter else {}
    if preserve:
        extra["preserve"] = list(preserve)
    update_manifest(output / "manifest.json", name, weights_file.name, sha, card.name, description, **extra)
    summary = {"name": name, "sha256": sha, "bytes": weights_file.stat().st_size, **results}
    print(json.dumps(summary, indent=2))
    return summary


def _run_config(state: dict, data: dict[str, str]) -> TrainConfig:
    """The run's data settings (layout, vocabulary) from its checkpoint, with the given ones replaced."""
    run = train_config_from_dict(state["config"])
    return dataclasses.replace(run, data=dataclasses.replace(run.data, **data)) if data else run


def _card(
    name: str, description: str, data: dict[str, str], cfg: CodecConfig, state: dict, sha: str, results: dict
) -> str:
    rows = "\n".join(
        f"| {mode} | {r['images']} | {r['bpp']:.4f} | {r['psnr']:.2f} | {r['encode_s']:.2f} | {r['decode_s']:.2f} |"
        for mode, r in results.items()
    )
    config = "\n".join(f"- `{k}`: {v}" for k, v in cfg.__dict__.items())
    stage = f"`selgan train`, {state['step']} steps in all (autoencoder stage, then adversarial)"
    flags = {"root": "--data", "layout": "--layout", "val_split": "--val-split"}
    options = "".join(f" {flags[k]} {v}" for k, v in data.items())
    return f"""# {name}

{description}

- Weights: `{name}.safetensors` (fp16 weights, int32 coding tables), sha256 `{sha}`
- Training data: CamVid train (367 frames, 480×360), labels from CamVid annotations
- Training: {stage}
- Export: `selgan export CHECKPOINT -o pretrained/{name}{options}`

## Config
{config}

## Measured on CamVid val (first {results["global"]["images"]} frames, real files, this CPU)
| mode | images | mean bpp (file size) | PSNR dB | encode s (median) | decode s (median) |
|---|---|---|---|---|---|
{rows}

Labels come from the CamVid annotations (not a segmenter), so these figures exclude segmentation.
"""
