"""Shared fixtures: a tiny real codec (small widths, tables fitted on CamVid labels) installed in a temp zoo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from selgan.datasets import data_root  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = data_root()  # $SELGAN_DATA, else ../shared/data beside the checkout
CAMVID = DATA / "camvid"
TINY_CONFIG = dict(
    latent_channels=4,
    encoder_widths=(8, 8, 8, 16),
    generator_width=16,
    generator_blocks=1,
    upsample_widths=(16, 8, 8, 8),
    noise_channels=2,
)


@pytest.fixture(scope="session")
def camvid() -> Path:
    if not CAMVID.is_dir():
        pytest.skip(f"needs CamVid at {CAMVID} (set SELGAN_DATA to the folder holding camvid/)")
    return CAMVID


@pytest.fixture(scope="session")
def tiny_zoo(tmp_path_factory, camvid) -> Path:
    """A zoo folder holding 'tiny-test': random-init weights with real fitted coding tables."""
    import numpy as np
    from PIL import Image

    from selgan.codec import build_network
    from selgan.config import CodecConfig
    from selgan.datasets import camvid_pairs
    from selgan.segment.builtin import save_segmenter
    from selgan.segment.smp_net import SegNetConfig, build_segnet
    from selgan.weights import save_network
    from selgan.zoo import sha256_file

    torch.manual_seed(0)
    cfg = CodecConfig(**TINY_CONFIG)
    model = build_network(cfg)
    model.latent_model.update()
    labels = [np.asarray(Image.open(lab), dtype=np.int64) for _, lab in camvid_pairs(camvid, "train")[:30]]
    model.fit_side_models(model.stored_label_maps(labels))
    folder = tmp_path_factory.mktemp("zoo")
    sha = save_network(model, cfg, folder / "tiny-test.safetensors")
    seg_config = SegNetConfig(arch="fpn", decoder_channels=64)  # random weights: shapes and plumbing only
    save_segmenter(build_segnet(seg_config).eval(), seg_config, "camvid", folder / "tiny-seg.safetensors")
    manifest = {
        "models": {
            "tiny-test": {
                "file": "tiny-test.safetensors",
                "sha256": sha,
                "card": "none",
                "description": "test model",
                "url": None,
                "segmenter": "tiny-seg",
            },
            "tiny-seg": {
                "file": "tiny-seg.safetensors",
                "sha256": sha256_file(folder / "tiny-seg.safetensors"),
                "card": "none",
                "description": "test segmenter",
                "url": None,
                "kind": "segmenter",
            },
        }
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture()
def use_tiny_zoo(tiny_zoo, monkeypatch) -> Path:
    monkeypatch.setenv("SELGAN_HOME", str(tiny_zoo))
    return tiny_zoo


@pytest.fixture(scope="session")
def tiny_codec(tiny_zoo):
    from selgan.api import Codec
    from selgan.weights import load_network
    from selgan.zoo import sha256_file

    path = tiny_zoo / "tiny-test.safetensors"
    return Codec(load_network(path), "tiny-test", bytes.fromhex(sha256_file(path)[:8]))


@pytest.fixture(scope="session")
def val_frame(camvid) -> tuple[Path, Path]:
    name = sorted((camvid / "val").glob("*.png"))[0].name
    return camvid / "val" / name, camvid / "valannot" / name
