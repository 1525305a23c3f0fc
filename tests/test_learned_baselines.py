"""The learned MSE baseline (CompressAI scale hyperprior) and LPIPS from the lpips package."""

import json

import numpy as np
import pytest
import torch

from selgan.baselines import _learned, code_at_budget, get_baseline
from selgan.errors import BitstreamError, ModelNotFoundError, SelganError
from selgan.eval import lpips_metric
from selgan.hyperprior import build, load, save
from selgan.zoo import PRETRAINED_DIR, _read_manifest, sha256_file

SHIPPED = {name for name, spec in _read_manifest(PRETRAINED_DIR / "manifest.json").items() if spec.kind == "baseline"}


@pytest.fixture(scope="module")
def frame(camvid):
    from PIL import Image

    return np.asarray(Image.open(sorted((camvid / "val").glob("*.png"))[0]).convert("RGB"))[:100, :150]


@pytest.fixture(scope="module")
def small_family(tmp_path_factory):
    """Two untrained rate points of a tiny hyperprior, saved and loaded the way shipped weights are."""
    torch.manual_seed(0)
    models = [build(8, 12), build(8, 12)]
    path = tmp_path_factory.mktemp("hp") / "hp.safetensors"
    save(models, [0.001, 0.01], 8, 12, path)
    return path


def test_round_trip_is_deterministic_and_cropped(small_family, frame):
    family = load(small_family)
    data = family.encode(frame, 1)
    image = family.decode(data)
    assert image.shape == frame.shape and image.dtype == np.uint8
    assert np.array_equal(load(small_family).decode(data), image)  # a fresh load decodes the same pixels
    assert family.encode(frame, 1) == data


def test_malformed_files_raise_bitstream_errors(small_family, frame):
    family = load(small_family)
    data = family.encode(frame, 0)
    for bad in (
        b"",
        data[:5],
        b"XXXX" + data[4:],
        data[:4] + bytes([9]) + data[5:],
        data[:10] + b"\xff\xff" + data[12:],
    ):
        with pytest.raises(BitstreamError):
            family.decode(bad)


def test_missing_weights_or_unknown_name_are_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("SELGAN_HOME", str(tmp_path))
    monkeypatch.setenv("SELGAN_CACHE", str(tmp_path / "cache"))
    (tmp_path / "manifest.json").write_text(json.dumps({"models": {}}))
    _learned.cache_clear()
    with pytest.raises(ModelNotFoundError, match="camvid-hyperprior"):
        get_baseline("hyperprior")
    with pytest.raises(SelganError, match="choose from"):
        get_baseline("bpg")
    _learned.cache_clear()


def test_a_zoo_hyperprior_is_searched_like_the_classical_codecs(small_family, frame, monkeypatch, tmp_path):
    (tmp_path / "camvid-hyperprior.safetensors").write_bytes(small_family.read_bytes())
    manifest = {
        "models": {
            "camvid-hyperprior": {
                "file": "camvid-hyperprior.safetensors",
                "card": "x.md",
                "sha256": sha256_file(small_family),
                "description": "test",
                "kind": "baseline",
            }
        }
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("SELGAN_HOME", str(tmp_path))
    _learned.cache_clear()
    codec = get_baseline("hyperprior")
    sizes = [len(codec.encode(frame, q)) for q in range(codec.qualities[0], codec.qualities[1] + 1)]
    for budget in (min(sizes) - 1, min(sizes), max(sizes) + 10):
        result = code_at_budget(codec, frame, budget)
        assert (result.num_bytes is None) == (budget < min(sizes))
        if result.num_bytes is not None:
            assert result.num_bytes <= budget and result.reconstruction.shape == frame.shape
    _learned.cache_clear()


@pytest.mark.skipif(not SHIPPED, reason="no learned baseline in the manifest")
def test_shipped_hyperprior_rates_grow_with_the_point(frame):
    _learned.cache_clear()
    codec = get_baseline("hyperprior")
    sizes = [len(codec.encode(frame, q)) for q in range(codec.qualities[0], codec.qualities[1] + 1)]
    assert sizes == sorted(sizes)
    best = codec.decode(codec.encode(frame, codec.qualities[1]))
    assert np.abs(best.astype(int) - frame).mean() < 20  # a trained MSE codec, not noise


def test_lpips_is_computed_by_the_package_only_when_the_backbone_is_cached(monkeypatch, tmp_path, frame):
    import torchvision

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    lpips_metric.lpips_distance.cache_clear()
    assert lpips_metric.lpips_distance() is None  # nothing cached: not reported, nothing downloaded
    # A randomly initialised AlexNet stands in for ImageNet weights: the lpips package's real code path runs.
    lpips_metric.backbone_path().parent.mkdir(parents=True)
    torch.save(torchvision.models.alexnet().state_dict(), lpips_metric.backbone_path())
    lpips_metric.lpips_distance.cache_clear()
    distance = lpips_metric.lpips_distance()
    assert distance is not None
    noisy = np.clip(frame.astype(int) + np.random.default_rng(0).integers(-40, 40, frame.shape), 0, 255).astype(
        np.uint8
    )
    assert distance(frame, frame) == pytest.approx(0.0, abs=1e-6) and distance(frame, noisy) > 0
    lpips_metric.lpips_distance.cache_clear()
