"""Golden .sgc files pin the format: every shipped codec decodes its committed files to the same symbols.

tests/golden/MODEL/ holds files as this selgan writes them (selective ones are format version 2, with the
colours stream); tests/golden/v1/MODEL/ holds version-1 files made before version 2 existed, frozen: they
must keep decoding identically (scripts/make_golden.py never rewrites them)."""

import json
import sys

import numpy as np
import pytest
from conftest import ROOT
from PIL import Image

import selgan
import selgan.metadata
from selgan.bitstream import Bitstream
from selgan.errors import BitstreamError
from selgan.metrics import psnr
from selgan.zoo import PRETRAINED_DIR, _read_manifest

sys.path.insert(0, str(ROOT / "scripts"))
from make_golden import CASES, GOLDEN, V1_CASES, header, symbol_digests  # noqa: E402

SHIPPED = sorted(
    name for name, spec in _read_manifest(PRETRAINED_DIR / "manifest.json").items() if spec.kind == "codec"
)


@pytest.fixture(autouse=True)
def shipped_zoo(monkeypatch):
    monkeypatch.delenv("SELGAN_HOME", raising=False)
    monkeypatch.delenv("SELGAN_PRETRAINED", raising=False)


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("generation", ["current", "v1"])
def test_golden_files_decode_to_the_same_symbols(name, generation):
    folder = GOLDEN / name if generation == "current" else GOLDEN / "v1" / name
    assert (folder / "expected.json").is_file(), f"no golden files for {name}: run python scripts/make_golden.py {name}"
    expected = json.loads((folder / "expected.json").read_text())
    assert set(expected) == set(CASES if generation == "current" else V1_CASES)
    codec = selgan.load(name)
    for case, want in expected.items():
        bitstream = Bitstream.from_bytes((folder / f"{case}.sgc").read_bytes())
        assert header(bitstream) == want["header"], case
        if bitstream.weights_hash != codec.weights_hash:
            # Made with weights this release replaced: one clear message that names both, never a wrong picture.
            with pytest.raises(BitstreamError, match="other weights of .* decode it with the selgan release"):
                selgan.decompress(bitstream.to_bytes())
            continue
        assert symbol_digests(codec.model, bitstream) == want["symbols"], case
        image = np.asarray(codec.decompress(bitstream))
        assert image.shape[1::-1] == (want["header"]["width"], want["header"]["height"])
        reference = folder / f"{case}.png"
        assert reference.is_file(), f"no pixel reference: run python scripts/make_golden.py --pixels-only {name}"
        # The generator runs in floating point: another CPU may round a few values differently, nothing more.
        assert psnr(np.asarray(Image.open(reference).convert("RGB")), image) >= 60.0, case


def test_golden_folders_belong_to_shipped_models():
    assert sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and p.name != "v1") == SHIPPED
    assert sorted(p.name for p in (GOLDEN / "v1").iterdir()) == SHIPPED


def test_versions_of_the_golden_files():
    for name in SHIPPED:
        assert Bitstream.from_bytes((GOLDEN / "v1" / name / "classes.sgc").read_bytes()).version == 1
        current = {case: Bitstream.from_bytes((GOLDEN / name / f"{case}.sgc").read_bytes()) for case in CASES}
        assert current["global"].version == 1 and "colours" not in current["global"].streams
        assert current["classes"].version == current["painted"].version == 2 and "colours" in current["classes"].streams
        assert current["metadata"].version == 3 and "metadata" in current["metadata"].streams


def test_the_golden_metadata_file_gives_back_the_cameras_facts():
    """The version-3 golden file restores the time, GPS, camera, XMP and ICC profile of input_camera.png."""
    with Image.open(GOLDEN / "input_camera.png") as photo:
        original = selgan.metadata.read_metadata(photo)
    for name in SHIPPED:
        decoded = selgan.decompress((GOLDEN / name / "metadata.sgc").read_bytes())
        assert selgan.metadata.read_metadata(decoded) == original, name


def test_a_golden_file_with_one_flipped_bit_is_refused():
    data = bytearray((GOLDEN / SHIPPED[0] / "classes.sgc").read_bytes())
    data[len(data) // 2] ^= 0x10
    with pytest.raises(BitstreamError):
        selgan.decompress(bytes(data))
    assert np.asarray(selgan.decompress((GOLDEN / SHIPPED[0] / "classes.sgc").read_bytes())).ndim == 3
