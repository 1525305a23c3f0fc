import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selgan.bitstream import FORMAT_VERSION, MAGIC, Bitstream, Mode
from selgan.errors import BitstreamError


def sample() -> Bitstream:
    return Bitstream(
        model_id="camvid-sc-c4",
        weights_hash=b"\x01\x02\x03\x04",
        width=481,
        height=361,
        mode=Mode.SELECTIVE,
        seed=7,
        preserved_classes=(8, 9),
        streams={"labels": b"abcd", "latent": bytes(range(40))},
    )


def test_round_trip_keeps_every_field():
    bs = sample()
    again = Bitstream.from_bytes(bs.to_bytes())
    assert again == bs
    assert again.stream_sizes() == {"header": len(bs.to_bytes()) - 44, "labels": 4, "latent": 40}
    assert again.bpp == pytest.approx(len(bs.to_bytes()) * 8 / (481 * 361))


def test_foreign_file_named_as_such():
    with pytest.raises(BitstreamError, match="not a selgan"):
        Bitstream.from_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))


def test_other_format_version_named_as_such():
    data = bytearray(sample().to_bytes())
    data[len(MAGIC)] = FORMAT_VERSION + 1
    with pytest.raises(BitstreamError, match=f"version {FORMAT_VERSION + 1}"):
        Bitstream.from_bytes(bytes(data))


def resign(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


def test_lying_length_with_valid_checksum_is_rejected_without_allocation():
    data = sample().to_bytes()[:-4]
    # Replace the latent length varint (40) by a huge one, keep the checksum valid.
    idx = data.index(bytes([3, 40]))
    lying = data[:idx] + bytes([3, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) + data[idx + 2 :]
    with pytest.raises(BitstreamError, match="do not add up"):
        Bitstream.from_bytes(resign(lying))


def test_implausible_image_size_rejected():
    bs = sample()
    body = bs.to_bytes()[:-4]
    idx = body.index(b"\x01\x02\x03\x04") + 4
    huge = body[:idx] + bytes([0xFF, 0xFF, 0x7F]) + body[idx + 4 :]  # width 2**21-1
    with pytest.raises(BitstreamError):
        Bitstream.from_bytes(resign(huge))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_garbage_only_raises_bitstream_error(data):
    with pytest.raises(BitstreamError):
        Bitstream.from_bytes(data)
    with pytest.raises(BitstreamError):
        Bitstream.from_bytes(MAGIC + bytes([FORMAT_VERSION]) + data)


def test_version_follows_the_streams_and_old_versions_cannot_hold_new_streams():
    bitstream = sample()
    assert bitstream.version == 1 and Bitstream.from_bytes(bitstream.to_bytes()).version == 1
    coloured = Bitstream.of(bitstream, bitstream.model_id, bitstream.weights_hash)
    coloured = Bitstream(**{**coloured.__dict__, "streams": {**bitstream.streams, "colours": b"\x01\x02"}})
    data = coloured.to_bytes()
    assert data[len(MAGIC)] == 2 and Bitstream.from_bytes(data).streams["colours"] == b"\x01\x02"
    forged = bytearray(data)
    forged[len(MAGIC)] = 1  # a version-1 header over a colours stream, re-signed
    forged[-4:] = struct.pack("<I", zlib.crc32(bytes(forged[:-4])))
    with pytest.raises(BitstreamError, match="version-1 file cannot hold a colours stream"):
        Bitstream.from_bytes(bytes(forged))
