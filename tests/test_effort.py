"""Encode harder (issue 31): compress(effort=...) fits the latent to the decoder; the file stays a normal file
that today's decoder reads, no larger than the encoder's own, and closer to the photo."""

import numpy as np
import pytest
from PIL import Image

import selgan
from selgan.bitstream import Bitstream
from selgan.cli import main
from selgan.codec import refine
from selgan.errors import ImageError
from selgan.metrics import psnr


@pytest.fixture(scope="module")
def frame(val_frame):
    image, labels = val_frame
    small = Image.open(image).convert("RGB").resize((240, 176))
    return np.asarray(small), np.asarray(Image.open(labels).resize((240, 176), Image.NEAREST), dtype=np.int64)


def test_a_refined_global_file_is_closer_to_the_photo_at_no_more_bytes(frame):
    image, labels = frame
    codec = selgan.load("camvid-gc-c4")
    fast = codec.compress(image, labels=labels)
    better = codec.compress(image, labels=labels, effort="better")
    assert (better.model_id, better.version, better.seed) == (fast.model_id, fast.version, fast.seed)
    data = better.to_bytes()
    # The estimate of the context model bounds the size; the arithmetic coder adds a byte or two at most.
    assert len(data) <= len(fast.to_bytes()) + 2
    decoded = np.asarray(selgan.decompress(Bitstream.from_bytes(data).to_bytes()))  # today's decoder, from bytes
    assert psnr(image, decoded) > psnr(image, np.asarray(codec.decompress(fast))) + 0.1


def test_selective_files_refine_their_preserved_cells_only(frame):
    image, labels = frame
    codec = selgan.load("camvid-sc-c8")
    fast = codec.compress(image, labels=labels, preserve=["car", "road"], guard="off")
    better = codec.compress(image, labels=labels, preserve=["car", "road"], effort="better", guard="off")
    preserved = codec.preserved_mask(better)
    assert (preserved == codec.preserved_mask(fast)).all() and preserved.any()
    assert better.streams["labels"] == fast.streams["labels"] and better.streams["colours"] == fast.streams["colours"]
    assert len(better.to_bytes()) <= len(fast.to_bytes()) + 2
    before = psnr(image, np.asarray(codec.decompress(fast)), preserved)
    assert psnr(image, np.asarray(codec.decompress(better)), preserved) > before


def test_a_budget_is_kept_at_every_effort(frame):
    image, labels = frame
    codec = selgan.load("camvid-sc-c8")
    fast = codec.compress(image, labels=labels, max_bytes=400, guard="off")
    better = codec.compress(image, labels=labels, max_bytes=400, effort="better", guard="off")
    assert len(better.to_bytes()) <= 400
    assert better.preserved_classes == fast.preserved_classes and better.model_id == fast.model_id


def test_the_command_lines_offer_every_effort():
    from selgan.cli import parse_args

    for name in refine.EFFORTS:
        assert parse_args(["compress", "a.png", "-o", "a.sgc", "--effort", name]).effort == name
        assert parse_args(["eval", "--data", "d", "--out", "o", "--effort", name]).effort == name


def test_effort_errors_are_plain(frame, monkeypatch):
    image, labels = frame
    codec = selgan.load("camvid-gc-c4")
    with pytest.raises(ImageError, match="effort must be one of fast, better, best, not 'hardest'"):
        codec.compress(image, labels=labels, effort="hardest")
    monkeypatch.setattr(refine, "MAX_PIXELS", 1000)
    with pytest.raises(ImageError, match=r"240×176 is over its 0.0 MP limit; use effort='fast'"):
        codec.compress(image, labels=labels, effort="better")


def test_cli_effort_shows_its_progress(tmp_path, frame, capsys):
    image, _ = frame
    Image.fromarray(image).save(tmp_path / "in.png")
    out = tmp_path / "out.sgc"
    assert (
        main(["compress", str(tmp_path / "in.png"), "-o", str(out), "--model", "camvid-gc-c4", "--effort", "better"])
        == 0
    )
    captured = capsys.readouterr()
    steps = refine.EFFORTS["better"].steps
    assert "in.png: effort better" in captured.err and f"/{steps} [" in captured.err  # a bar over the steps
    assert Bitstream.from_bytes(out.read_bytes()).model_id == "camvid-gc-c4"
    with pytest.raises(SystemExit):
        main(["compress", str(tmp_path / "in.png"), "-o", str(out), "--effort", "hard"])
    assert "invalid choice: 'hard'" in capsys.readouterr().err
