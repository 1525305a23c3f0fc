"""The synthesis guard: it measures each painted region, warns about the ones far from the photo, and can
preserve them instead; it never changes a file it does not have to."""

import warnings

import numpy as np
import pytest
from PIL import Image

import selgan
from selgan.cli import main
from selgan.errors import ImageError
from selgan.guard import GuardLimits, GuardWarning, check_regions

NAMES = ("a", "b", "c")


def _scene():
    rng = np.random.default_rng(0)
    photo = np.full((128, 128, 3), 120, np.uint8)
    labels = np.zeros((128, 128), np.int64)
    labels[:, 64:] = 1
    synthesised = np.ones((128, 128), bool)
    return rng, photo, labels, synthesised


def test_a_faithful_painting_passes_and_each_sign_fails_on_its_own():
    rng, photo, labels, synthesised = _scene()
    painting = photo.copy()
    assert GuardLimits().failing(check_regions(photo, painting, labels, synthesised, NAMES)) == []
    # Texture where the photo is flat (a smooth night sky painted as leaves).
    leafy = painting.copy()
    leafy[:, :64] = rng.integers(40, 200, (128, 64, 3))
    failing = GuardLimits().failing(check_regions(photo, leafy, labels, synthesised, NAMES))
    assert [(c.name, "detail" in r[0]) for c, r in failing] == [("a", True)]
    # The wrong colour (trees painted black).
    black = painting.copy()
    black[:, 64:] = 0
    failing = GuardLimits().failing(check_regions(photo, black, labels, synthesised, NAMES))
    assert [(c.name, "colour" in r[0]) for c, r in failing] == [("b", True)]
    # Labels the segmenter doubted.
    confidence = np.ones((128, 128), np.float32)
    confidence[:, 64:] = 0.3
    failing = GuardLimits().failing(check_regions(photo, painting, labels, synthesised, NAMES, confidence))
    assert [(c.name, "unsure of 100%" in r[0]) for c, r in failing] == [("b", True)]
    # Preserved pixels and tiny regions are not judged.
    checks = check_regions(photo, black, labels, labels == 0, NAMES)
    assert [c.name for c in checks] == ["a"]


@pytest.fixture()
def flat_tree():
    """A flat grey photo whose labels call it all Tree: the shipped selective model paints foliage on it."""
    codec = selgan.load("camvid-sc-c8")
    photo = np.full((256, 384, 3), 128, np.uint8)
    labels = np.full((256, 384), codec.class_ids(["tree"])[0], np.int64)
    return codec, photo, labels


def test_compress_warns_preserves_or_stays_quiet(flat_tree):
    codec, photo, labels = flat_tree
    options = {"labels": labels, "preserve": ["car"]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warned = codec.compress(photo, **options)
    doubts = [str(w.message) for w in caught if issubclass(w.category, GuardWarning)]
    assert len(doubts) == 1 and doubts[0].startswith("the painted Tree (100% of the image) may not pass")
    assert "the photo's detail" in doubts[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuardWarning)
        quiet = codec.compress(photo, guard="off", **options)
    assert quiet.to_bytes() == warned.to_bytes()  # the guard only looks: the file is the same
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        kept = codec.compress(photo, guard="preserve", **options)
    assert codec.preserved_mask(warned).mean() == 0 and codec.preserved_mask(kept).all()
    assert kept.num_bytes > warned.num_bytes
    with pytest.raises(ImageError, match="guard must be one of warn, preserve, off"):
        codec.compress(photo, guard="yes", **options)


def test_the_cli_names_the_file_the_guard_doubts(flat_tree, tmp_path, capsys):
    _, photo, labels = flat_tree
    photo_file, label_file = tmp_path / "flat.png", tmp_path / "flat_labels.png"
    Image.fromarray(photo).save(photo_file)
    Image.fromarray(labels.astype(np.uint8)).save(label_file)
    args = ["compress", str(photo_file), "-o", str(tmp_path / "f.sgc"), "--model", "camvid-sc-c8"]
    args += ["--labels", str(label_file), "--preserve", "car"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert f"selgan: warning: {photo_file}: the painted Tree" in err and "Traceback" not in err
    assert main([*args, "--guard", "off"]) == 0
    assert "warning" not in capsys.readouterr().err
