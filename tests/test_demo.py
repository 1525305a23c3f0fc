"""The shipped models: checksums, the demo, and a quality band on real CamVid frames."""

import json

import numpy as np
import pytest

import selgan
from selgan.zoo import PRETRAINED_DIR

MANIFEST = json.loads((PRETRAINED_DIR / "manifest.json").read_text())["models"]


@pytest.fixture(autouse=True)
def shipped_zoo(monkeypatch):
    monkeypatch.delenv("SELGAN_HOME", raising=False)


def test_every_shipped_file_matches_its_checksum_and_has_a_card():
    from selgan.zoo import sha256_file

    for name, entry in MANIFEST.items():
        assert sha256_file(PRETRAINED_DIR / entry["file"]) == entry["sha256"], name
        assert (PRETRAINED_DIR / entry["card"]).read_text().startswith(f"# {name}")
    total = sum((PRETRAINED_DIR / f).stat().st_size for f in {e["file"] for e in MANIFEST.values()})
    assert total < 60e6  # pretrained/ stays small


def test_demo_writes_both_files_the_reconstructions_and_the_comparison(tmp_path, capsys):
    from PIL import Image

    from selgan.demo import main

    main(["-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert "dashcam_global.sgc" in out and "dashcam_selective.sgc" in out and "latent" in out and "labels" in out
    for stem in ("dashcam_global", "dashcam_selective"):
        sgc = tmp_path / f"{stem}.sgc"
        assert 0 < sgc.stat().st_size < 4000 and f"{sgc.stat().st_size}" in out
        assert selgan.decompress(sgc).size == (960, 512) == Image.open(tmp_path / f"{stem}.png").size
    assert (tmp_path / "dashcam_selective.sgc").stat().st_size < (tmp_path / "dashcam_global.sgc").stat().st_size * 2
    figure = Image.open(tmp_path / "comparison.png")
    assert figure.size[0] == 2 * 960 and figure.size[1] > 2 * 512  # four labelled panels, two per row


def test_shipped_codec_quality_band_on_camvid_val(val_frame):
    """A real model, not random weights: PSNR in a band and preserved regions sharper than synthesised ones."""
    from selgan.imageio import load_rgb
    from selgan.metrics import psnr

    codec = selgan.load("camvid-gc-c4")
    image = load_rgb(val_frame[0])
    full = codec.compress(image, labels=val_frame[1])
    assert full.bpp < 0.06 and psnr(image, np.asarray(codec.decompress(full))) > 19.0
    sel = codec.compress(image, labels=val_frame[1], preserve=["car", "pedestrian", "building"])
    recon = np.asarray(codec.decompress(sel))
    mask = codec.preserved_mask(sel)
    assert sel.num_bytes < full.num_bytes and psnr(image, recon, mask) > psnr(image, recon, ~mask)


def test_shipped_segmenter_labels_a_val_frame(val_frame):
    from selgan.segment import get_segmenter, read_label_png

    segmap = get_segmenter("builtin").segment(val_frame[0])
    truth = read_label_png(val_frame[1], segmap.vocab)
    keep = truth != segmap.vocab.ignore_id
    assert (segmap.labels[keep] == truth[keep]).mean() > 0.75


def test_selective_model_has_its_default_set_and_codes_far_less_than_the_global_one(val_frame):
    from selgan.imageio import load_rgb

    sc, gc = selgan.load("camvid-sc-c8"), selgan.load("camvid-gc-c8")
    assert [n.lower() for n in sc.default_preserve] == ["pedestrian", "car", "bicyclist", "signsymbol"]
    assert not gc.default_preserve and MANIFEST["camvid-gc-c8"]["file"] != MANIFEST["camvid-sc-c8"]["file"]
    image = load_rgb(val_frame[0])
    selective = sc.compress(image, labels=val_frame[1], preserve="default")
    full = gc.compress(image, labels=val_frame[1])
    assert selective.num_bytes < 0.6 * full.num_bytes
    assert selgan.decompress(full.to_bytes()).size == selgan.decompress(selective.to_bytes()).size == (480, 360)
