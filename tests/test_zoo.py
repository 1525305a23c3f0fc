import pytest

import selgan
from selgan.errors import ModelNotFoundError


def test_load_checks_sha256(tiny_zoo, tmp_path, monkeypatch):
    bad = tmp_path / "zoo"
    bad.mkdir()
    data = bytearray((tiny_zoo / "tiny-test.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (bad / "tiny-test.safetensors").write_bytes(bytes(data))
    (bad / "manifest.json").write_text((tiny_zoo / "manifest.json").read_text())
    monkeypatch.setenv("SELGAN_HOME", str(bad))
    with pytest.raises(ModelNotFoundError, match="does not match"):
        selgan.load("tiny-test")


def test_missing_weights_without_url_say_where_they_were_looked_for(tiny_zoo, tmp_path, monkeypatch):
    empty = tmp_path / "zoo"
    empty.mkdir()
    (empty / "manifest.json").write_text((tiny_zoo / "manifest.json").read_text())
    monkeypatch.setenv("SELGAN_HOME", str(empty))
    with pytest.raises(ModelNotFoundError, match="are not in"):
        selgan.load("tiny-test")


def test_list_models(use_tiny_zoo):
    assert selgan.list_models() == ["tiny-test"]
