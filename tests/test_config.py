import pytest

from selgan.config import CodecConfig, from_dict, to_dict
from selgan.errors import SelganError


def test_round_trip_and_tuples():
    cfg = from_dict(CodecConfig, {"latent_channels": 8, "encoder_widths": [8, 16, 32, 64]})
    assert cfg.latent_channels == 8 and cfg.encoder_widths == (8, 16, 32, 64)
    assert from_dict(CodecConfig, to_dict(cfg)) == cfg


def test_unknown_keys_rejected_with_their_names():
    with pytest.raises(SelganError, match="latent_chanels"):
        from_dict(CodecConfig, {"latent_chanels": 8})
