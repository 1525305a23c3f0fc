"""Corrupted real files through the whole decoder: only BitstreamError, each quickly."""

import struct
import time
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, TiffImagePlugin

import selgan
from selgan.bitstream import Bitstream
from selgan.errors import BitstreamError

# A hang would take minutes; a decode here takes milliseconds (benchmarks/fuzz_timing.py reports the
# distribution). The bound leaves room for a loaded CI machine without letting a hang pass.
HANG_LIMIT_S = 5.0


@pytest.fixture(scope="module")
def real_files(use_tiny_zoo_module, val_frame):
    codec = selgan.load("tiny-test")
    image, labels = val_frame
    files = [
        codec.compress(image, labels=labels).to_bytes(),
        codec.compress(image, labels=labels, preserve=["car", "road"]).to_bytes(),
        codec.compress(image, mask=np.pad(np.ones((100, 100)), ((50, 210), (80, 300)))).to_bytes(),
        codec.compress(photo_with_metadata(image), metadata="keep").to_bytes(),  # version 3: metadata stream
        codec.compress(photo_with_metadata(image), metadata="essential").to_bytes(),
    ]
    selgan.decompress(files[0])  # loads the model once, outside the timed decodes
    return files


def photo_with_metadata(path) -> Image.Image:
    """The frame as a PIL image carrying EXIF (camera, time, GPS), XMP and an ICC-sized block."""
    photo = Image.open(path).convert("RGB")
    exif = Image.Exif()
    exif[0x010F], exif[0x0132] = "Canon", "2026:12:05 09:30:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (TiffImagePlugin.IFDRational(52, 1),) * 3})
    photo.info.update({"exif": exif.tobytes(), "xmp": b"<x:xmpmeta/>", "icc_profile": bytes(range(256)) * 4})
    return photo


@pytest.fixture(scope="module")
def use_tiny_zoo_module(tiny_zoo):
    mp = pytest.MonkeyPatch()
    mp.setenv("SELGAN_HOME", str(tiny_zoo))
    yield tiny_zoo
    mp.undo()


def decode_expecting_only_bitstream_error(data: bytes) -> None:
    start = time.perf_counter()
    try:
        image = selgan.decompress(data)
        assert image.size[0] > 0  # a re-signed alteration may still be a valid file
    except BitstreamError:
        pass
    assert time.perf_counter() - start < HANG_LIMIT_S


def resign(data: bytes) -> bytes:
    body = data[:-4]
    return body + struct.pack("<I", zlib.crc32(body))


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    which=st.integers(0, 4), cut=st.integers(0, 10_000), flips=st.lists(st.integers(0, 80_000), min_size=1, max_size=3)
)
def test_truncated_and_bit_flipped_files(real_files, which, cut, flips):
    data = real_files[which]
    start = time.perf_counter()
    with pytest.raises(BitstreamError):
        selgan.decompress(data[: cut % len(data)])
    flipped = bytearray(data)
    for bit in flips:
        flipped[(bit // 8) % len(data)] ^= 1 << (bit % 8)
    if bytes(flipped) != data:
        with pytest.raises(BitstreamError):
            selgan.decompress(bytes(flipped))
    assert time.perf_counter() - start < HANG_LIMIT_S


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(which=st.integers(0, 4), flips=st.lists(st.integers(0, 80_000), min_size=1, max_size=3))
def test_altered_payload_with_valid_checksum(real_files, which, flips):
    """A forger who fixes the checksum: streams are still checked, decoding stays bounded."""
    data = bytearray(real_files[which])
    header = Bitstream.from_bytes(real_files[which]).stream_sizes()["header"] - 4  # minus the checksum
    for bit in flips:
        data[header + (bit // 8) % (len(data) - header - 4)] ^= 1 << (bit % 8)
    decode_expecting_only_bitstream_error(resign(bytes(data)))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(which=st.integers(0, 4), flips=st.lists(st.integers(0, 8 * 40), min_size=1, max_size=2))
def test_altered_header_with_valid_checksum(real_files, which, flips):
    """Header fields changed consistently (e.g. another image size) decode to an image of the size the header
    says, or fail cleanly; the time limit grows with the size the header claims."""
    original = Bitstream.from_bytes(real_files[which])
    data = bytearray(real_files[which])
    for bit in flips:
        data[(bit // 8) % (len(data) - 4)] ^= 1 << (bit % 8)
    altered = resign(bytes(data))
    start = time.perf_counter()
    try:
        image = selgan.decompress(altered)
    except BitstreamError:
        image = None
    elapsed = time.perf_counter() - start
    claimed = original.width * original.height
    if image is not None:
        header = Bitstream.from_bytes(altered)
        assert image.size == (header.width, header.height)
        claimed = header.width * header.height
    assert elapsed < HANG_LIMIT_S * max(1.0, claimed / (original.width * original.height))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(which=st.integers(0, 4), garbage=st.binary(min_size=0, max_size=2000), at=st.integers(0, 2000))
def test_garbage_spliced_into_streams_with_valid_checksum(real_files, which, garbage, at):
    data = real_files[which]
    body = data[:-4]
    at = 40 + at % max(1, len(body) - 40)
    decode_expecting_only_bitstream_error(resign(body[:at] + garbage + body[at:] + data[-4:]))


def test_other_model_and_other_weights_named(real_files, tiny_codec):
    import dataclasses

    from selgan.bitstream import Bitstream

    bs = Bitstream.from_bytes(real_files[0])
    with pytest.raises(BitstreamError, match="not available"):
        selgan.decompress(dataclasses.replace(bs, model_id="no-such-model").to_bytes())
    with pytest.raises(BitstreamError, match="other weights"):
        selgan.decompress(dataclasses.replace(bs, weights_hash=b"\0\0\0\0").to_bytes())
