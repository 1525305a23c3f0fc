"""Freeze a training checkpoint into shipped weights: fitted coding tables, fp16 safetensors, card, manifest.

Usage: selgan export CHECKPOINT -o pretrained/camvid-sc-c4 [--data ../shared/data/camvid]
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from selgan.codec import LATENT_STRIDE, SelectiveCodec, build_codec
from selgan.config import CodecConfig, from_dict
from selgan.entropy import LabelMapModel, MaskModel
from selgan.errors import SelganError
from selgan.pipeline import Codec
from selgan.codec.model import padded_shape
from selgan.segment.resample import downsample_labels_np, pad_to_shape
from selgan.select import class_latent_mask
from selgan.train.checkpoint import load_checkpoint
from selgan.train.data import camvid_pairs
from selgan.train.masks import random_latent_masks
from selgan.weights import load_codec, save_codec


def stored_label_maps(model: SelectiveCodec, label_paths: list[Path]) -> list[np.ndarray]:
    """Label PNGs -> the maps a file would store (padded, downsampled)."""
    weights = model.vocab.downsample_weights()
    maps = []
    for path in label_paths:
        labels = np.asarray(Image.open(path), dtype=np.int64)
        labels = pad_to_shape(labels, padded_shape(*labels.shape))
        maps.append(downsample_labels_np(labels, model.label_downsample, weights))
    return maps


def fit_side_models(model: SelectiveCodec, label_maps: list[np.ndarray], seed: int = 0) -> None:
    """Fit the label-map and painted-mask models on training label maps."""
    model.label_model = LabelMapModel.fit(label_maps, model.vocab.num_classes)
    ratio = LATENT_STRIDE // model.label_downsample
    generator = torch.Generator().manual_seed(seed)
    masks = []
    for stored in label_maps:
        classes = torch.from_numpy(downsample_labels_np(stored, ratio, model.vocab.downsample_weights()))[None]
        masks.append(random_latent_masks(classes, model.vocab.ignore_id, 0.0, generator)[0, 0].numpy() > 0)
        masks.append(class_latent_mask(stored, (8, 9), ratio))  # people and cars, a common painted set
    model.mask_model = MaskModel.fit(masks)


def measure(codec: Codec, pairs: list[tuple[Path, Path]], preserve: list[str] | None) -> dict[str, float]:
    """Mean real bpp, PSNR (whole image) and encode/decode seconds over real round trips."""
    bpps, psnrs, enc, dec = [], [], [], []
    for image_path, label_path in pairs:
        image = np.asarray(Image.open(image_path).convert("RGB"))
        t0 = time.perf_counter()
        bitstream = codec.compress(image, preserve=preserve, labels=label_path)
        data = bitstream.to_bytes()
        t1 = time.perf_counter()
        out = np.asarray(codec.decompress(data), dtype=np.float64)
        t2 = time.perf_counter()
        mse = np.mean((out - image) ** 2)
        bpps.append(len(data) * 8 / (image.shape[0] * image.shape[1]))
        psnrs.append(10 * np.log10(255**2 / mse))
        enc.append(t1 - t0)
        dec.append(t2 - t1)
    return {"bpp": float(np.mean(bpps)), "psnr": float(np.mean(psnrs)),
            "encode_s": float(np.median(enc)), "decode_s": float(np.median(dec)), "images": len(pairs)}


def export_checkpoint(checkpoint: Path, output: Path, name: str, data: Path | None, description: str,
                      segmenter: str | None, eval_images: int) -> dict:
    """Fit tables, write `output/name.safetensors`, measure real files on val, write the card and manifest entry."""
    state = load_checkpoint(checkpoint)
    cfg = from_dict(CodecConfig, state.get("codec_config", state["config"]))
    if data is None:
        if "data" not in state["config"]:
            raise SelganError(f"{checkpoint} does not name its data: pass --data")
        data = Path(state["config"]["data"]["root"])
    model = build_codec(cfg)
    model.load_state_dict(state.get("ema", state["model"]))
    model.latent_model.update()
    fit_side_models(model, stored_label_maps(model, [lab for _, lab in camvid_pairs(data, "train")]))
    output.mkdir(parents=True, exist_ok=True)
    weights_file = output / f"{name}.safetensors"
    sha = save_codec(model, cfg, weights_file)
    codec = Codec(load_codec(weights_file), name, bytes.fromhex(sha[:8]))
    val = camvid_pairs(data, "val")[:eval_images]
    results = {"global": measure(codec, val, None), "selective (car, pedestrian)": measure(codec, val, ["car", "pedestrian"])}
    card = output / f"{name}.md"
    card.write_text(_card(name, description, data, cfg, state, sha, results))
    extra = {"segmenter": segmenter} if segmenter else {}
    update_manifest(output / "manifest.json", name, weights_file.name, sha, card.name, description, **extra)
    summary = {"name": name, "sha256": sha, "bytes": weights_file.stat().st_size, **results}
    print(json.dumps(summary, indent=2))
    return summary


def _card(name: str, description: str, data: Path, cfg: CodecConfig, state: dict, sha: str, results: dict) -> str:
    rows = "\n".join(
        f"| {mode} | {r['images']} | {r['bpp']:.4f} | {r['psnr']:.2f} | {r['encode_s']:.2f} | {r['decode_s']:.2f} |"
        for mode, r in results.items()
    )
    config = "\n".join(f"- `{k}`: {v}" for k, v in cfg.__dict__.items())
    trained = state.get("config", {}).get("optim", {})
    stage = (f"`selgan train`, {state['step']} steps ({trained.get('warmup_steps', 0)} as autoencoder, then adversarial)"
             if trained else f"autoencoder warm-up (`python -m selgan.train.warmup`), {state['step']} steps, no adversary yet")
    return f"""# {name}

{description}

- Weights: `{name}.safetensors` (fp16 weights, int32 coding tables), sha256 `{sha}`
- Training data: CamVid train (367 frames, 480×360), labels from CamVid annotations
- Training: {stage}
- Export: `selgan export CHECKPOINT -o pretrained/{name} --data {data}`

## Config
{config}

## Measured on CamVid val (first {results['global']['images']} frames, real files, this CPU)
| mode | images | mean bpp (file size) | PSNR dB | encode s (median) | decode s (median) |
|---|---|---|---|---|---|
{rows}

Labels come from the CamVid annotations (not a segmenter), so these figures exclude segmentation.
"""


def update_manifest(path: Path, name: str, file: str, sha: str, card: str, description: str, **extra) -> None:
    """Add or replace one entry of pretrained/manifest.json."""
    manifest = json.loads(path.read_text()) if path.exists() else {"models": {}}
    manifest["models"][name] = {"file": file, "sha256": sha, "card": card, "description": description, "url": None, **extra}
    path.write_text(json.dumps(manifest, indent=2) + "\n")


