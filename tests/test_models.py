"""Every codec in the shipped manifest, tested the same way (a new model is covered without new test code)."""

import numpy as np
import pytest
from conftest import ROOT

import selgan
from selgan.bitstream import Bitstream
from selgan.errors import BitstreamError, UnknownClassError
from selgan.metrics import psnr
from selgan.zoo import PRETRAINED_DIR, _read_manifest

GOLDEN = ROOT / "tests" / "golden"
SHIPPED = sorted(
    name for name, spec in _read_manifest(PRETRAINED_DIR / "manifest.json").items() if spec.kind == "codec"
)


@pytest.fixture(autouse=True)
def shipped_zoo(monkeypatch):
    monkeypatch.delenv("SELGAN_HOME", raising=False)


@pytest.fixture(scope="module")
def photo():
    from selgan.imageio import load_rgb

    return load_rgb(GOLDEN / "input.png"), GOLDEN / "input_labels.png"


@pytest.mark.parametrize("name", SHIPPED)
def test_round_trip_global_and_selective(name, photo):
    image, labels = photo
    codec = selgan.load(name)
    whole = codec.compress(image, labels=labels)
    cars = codec.compress(image, labels=labels, preserve=["car"])
    assert whole.bpp < 0.5 and cars.num_bytes <= whole.num_bytes
    for bitstream in (whole, cars):
        out = np.asarray(selgan.decompress(bitstream.to_bytes()))
        assert out.shape == image.shape
    assert psnr(image, np.asarray(codec.decompress(whole))) > 15
    assert codec.preserved_mask(cars).mean() < codec.preserved_mask(whole).mean() == 1.0


@pytest.mark.parametrize("name", SHIPPED)
def test_user_errors_are_one_clear_message(name, photo):
    image, labels = photo
    codec = selgan.load(name)
    with pytest.raises(UnknownClassError, match="valid classes"):
        codec.compress(image, labels=labels, preserve=["unicorn"])
    data = codec.compress(image, labels=labels).to_bytes()
    with pytest.raises(BitstreamError):
        selgan.decompress(data[:-5])
    other = Bitstream.from_bytes(data)
    forged = Bitstream.of(other, name, bytes(4)).to_bytes()
    with pytest.raises(BitstreamError, match="other weights"):
        codec.decompress(forged)
    foreign = [m for m in SHIPPED if m != name]
    if foreign:
        with pytest.raises(BitstreamError, match="made with model"):
            selgan.load(foreign[0]).decompress(data)
