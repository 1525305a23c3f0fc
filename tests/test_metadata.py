"""What a photo says about itself (EXIF time, GPS, camera; XMP; ICC profile) survives compress/decompress."""

import io
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, TiffImagePlugin

import selgan
from selgan import metadata
from selgan.bitstream import Bitstream
from selgan.cli import main
from selgan.errors import BitstreamError, BudgetError
from selgan.imageio import image_format, save_image_atomic

R = TiffImagePlugin.IFDRational
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
GPS = {1: "N", 2: (R(52, 1), R(31, 1), R(1234, 100)), 3: "E", 4: (R(13, 1), R(24, 1), R(3456, 100)), 6: R(345, 10)}


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS 5D"
    exif[0x0132] = "2026:12:05 09:30:00"
    exif[0x0112] = 1
    exif[0x0131] = "firmware 1.2 with a long software string that essential does not keep"
    exif.get_ifd(0x8769)[0x9003] = "2026:12:05 09:30:00"
    exif.get_ifd(0x8825).update({0: b"\x02\x03\x00\x00", 5: b"\x00", **GPS})
    return exif


@pytest.fixture(scope="module")
def photo(tmp_path_factory, val_frame):
    """A CamVid frame saved as a camera would: JPEG with EXIF (time, GPS, make, model), XMP and an ICC profile."""
    path = tmp_path_factory.mktemp("photo") / "camera.jpg"
    Image.open(val_frame[0]).convert("RGB").save(path, quality=90, exif=camera_exif(), icc_profile=ICC, xmp=XMP)
    return path


def facts(image: Image.Image) -> dict:
    """Time, GPS, make and model as Pillow reads them."""
    exif = image.getexif()
    gps = exif.get_ifd(0x8825)
    return {
        "make": exif.get(0x010F),
        "model": exif.get(0x0110),
        "time": exif.get_ifd(0x8769).get(0x9003),
        "gps": {tag: gps.get(tag) for tag in GPS},
    }


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_keep_gives_back_time_gps_camera_xmp_and_the_icc_profile(use_tiny_zoo, photo, tmp_path, suffix):
    bitstream = selgan.load("tiny-test").compress(photo, metadata="keep")
    assert bitstream.version == 3 and bitstream.stream_sizes()["metadata"] > 0
    decoded = selgan.decompress(bitstream.to_bytes())
    out = tmp_path / f"out{suffix}"
    save_image_atomic(out, decoded, **metadata.read_metadata(decoded).save_options(image_format(out)))
    with Image.open(out) as written, Image.open(photo) as original:
        assert facts(written) == facts(original) and facts(written)["gps"][2] == GPS[2]
        assert written.info["icc_profile"] == ICC
        xmp = written.info.get("xmp")
        assert (xmp.encode() if isinstance(xmp, str) else xmp) == XMP


def test_essential_is_a_few_dozen_bytes_and_keeps_only_time_gps_and_camera(use_tiny_zoo, photo):
    codec = selgan.load("tiny-test")
    bitstream = codec.compress(photo)  # essential is the default
    assert 0 < bitstream.stream_sizes()["metadata"] <= 64
    decoded = selgan.decompress(bitstream.to_bytes())
    with Image.open(photo) as original:
        assert facts(decoded) == facts(original)
    assert 0x0131 not in decoded.getexif() and "icc_profile" not in decoded.info and "xmp" not in decoded.info


def test_strip_writes_the_same_file_as_pixels_alone(use_tiny_zoo, photo):
    codec = selgan.load("tiny-test")
    stripped = codec.compress(photo, metadata="strip")
    assert "metadata" not in stripped.streams and stripped.version < 3
    assert stripped.to_bytes() == codec.compress(np.asarray(Image.open(photo).convert("RGB"))).to_bytes()
    with pytest.raises(selgan.errors.ImageError, match="metadata must be one of essential, keep, strip"):
        codec.compress(photo, metadata="all")


def test_a_budget_counts_the_metadata_and_drops_it_with_a_warning_when_it_cannot_fit(use_tiny_zoo, photo, val_frame):
    codec = selgan.load("tiny-test")
    labels = val_frame[1]
    plain = codec.compress(photo, labels=labels, max_bytes=100_000, metadata="strip")
    kept = codec.compress(photo, labels=labels, max_bytes=plain.num_bytes + 700, metadata="keep")
    assert kept.num_bytes <= plain.num_bytes + 700 and "metadata" in kept.streams
    with pytest.raises(BudgetError) as error:
        codec.compress(photo, labels=labels, max_bytes=10, metadata="strip")
    smallest = int(re.search(r"smallest for this image is (\d+) bytes", str(error.value)).group(1))
    with pytest.warns(UserWarning, match="metadata .* does not fit"):
        dropped = codec.compress(photo, labels=labels, max_bytes=smallest + 10, metadata="keep")
    assert "metadata" not in dropped.streams and dropped.num_bytes <= smallest + 10


def test_damaged_or_huge_metadata_in_the_input_never_fails_a_compression(use_tiny_zoo, tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    huge = tmp_path / "huge_icc.png"
    big_profile = np.random.default_rng(1).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    Image.fromarray(rgb).save(huge, icc_profile=big_profile)
    codec = selgan.load("tiny-test")
    kept = codec.compress(huge, metadata="keep")
    assert selgan.decompress(kept.to_bytes()).info["icc_profile"] == big_profile
    assert "metadata" not in codec.compress(huge).streams  # essential: no EXIF, nothing stored
    damaged = tmp_path / "damaged_exif.jpg"
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    app1 = b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\x13" * 40
    damaged.write_bytes(jpeg[:2] + b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1 + jpeg[2:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow may warn about the damaged block; we may too
        for policy in metadata.POLICIES:
            assert selgan.decompress(codec.compress(damaged, metadata=policy).to_bytes()).size == (96, 64)


def test_a_damaged_metadata_stream_loses_the_metadata_not_the_picture(use_tiny_zoo, photo):
    bitstream = selgan.load("tiny-test").compress(photo, metadata="keep")
    broken = bitstream.with_stream("metadata", b"\x02not zlib")
    with pytest.warns(UserWarning, match="metadata is damaged"):
        image = selgan.decompress(broken.to_bytes())
    assert image.size == (bitstream.width, bitstream.height) and "exif" not in image.info


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_any_metadata_payload_decodes_or_is_one_bitstream_error(payload):
    for candidate in (payload, b"\x01" + payload, b"\x02" + payload):
        try:
            metadata.decode(candidate)
        except BitstreamError:
            pass


def test_essential_round_trips_exact_values():
    exif = camera_exif()
    stored = metadata.decode(metadata.encode(metadata.PhotoMetadata(exif=exif.tobytes()), "essential"))
    again = Image.Exif()
    again.load(stored.exif)
    original = Image.Exif()
    original.load(exif.tobytes())

    def fractions(value):
        return [(v.numerator, v.denominator) for v in (value if isinstance(value, tuple) else (value,))]

    for tag in GPS:
        if tag not in (1, 3):  # the rationals: the same numerator and denominator, not only the same value
            assert fractions(again.get_ifd(0x8825)[tag]) == fractions(original.get_ifd(0x8825)[tag])
    assert again[0x0132] == again.get_ifd(0x8769)[0x9003] == "2026:12:05 09:30:00"


def test_cli_keeps_metadata_and_info_shows_its_bytes(use_tiny_zoo, photo, tmp_path, capsys):
    sgc = tmp_path / "photo.sgc"
    assert main(["compress", str(photo), "-o", str(sgc), "--model", "tiny-test", "--metadata", "keep"]) == 0
    assert main(["info", str(sgc)]) == 0
    assert "metadata" in capsys.readouterr().out
    out = tmp_path / "back.jpg"
    assert main(["decompress", str(sgc), "-o", str(out)]) == 0
    with Image.open(out) as written, Image.open(photo) as original:
        assert written.format == "JPEG" and facts(written) == facts(original)
        assert written.info["icc_profile"] == ICC
    assert main(["decompress", str(sgc), "-o", str(tmp_path / "back.gif")]) == 2
    assert "writes PNG, JPEG, WebP, TIFF or BMP" in capsys.readouterr().err
    assert Bitstream.from_bytes(sgc.read_bytes()).version == 3
