"""The scene check (selgan.scene): dark photos and photos that are not streets are named before compressing,
daylight street photos from other cameras are not; the app says so in plain words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import selgan
from selgan.api import shared
from selgan.degrade import degrade
from selgan.imageio import load_rgb
from selgan.labels.vocab import CAMVID
from selgan.scene import SceneCheck, SceneLimits, check_scene
from selgan.segment import SegMap

ROOT = Path(__file__).resolve().parent.parent
DASHCAM = ROOT / "selgan" / "assets" / "dashcam.png"
NONSTREET = sorted((ROOT / "benchmarks" / "images" / "nonstreet").glob("*.jpg"))


def flat_segmap(shape: tuple[int, int], confidence: float | None) -> SegMap:
    labels = np.zeros(shape, np.int64)
    return SegMap(labels, CAMVID, None if confidence is None else np.full(shape, confidence, np.float32))


def test_signs_and_limits():
    bright = np.full((32, 48, 3), 120, np.uint8)
    assert not check_scene(bright, flat_segmap((32, 48), 0.95)).doubtful
    dark = check_scene(np.full((32, 48, 3), 20, np.uint8), flat_segmap((32, 48), 0.95))
    assert dark.dark and not dark.unfamiliar and dark.brightness == pytest.approx(20.0)
    assert "dark" in dark.reasons()[0] and "20 of 255" in dark.reasons()[0]
    unsure = check_scene(bright, flat_segmap((32, 48), 0.7))
    assert unsure.unfamiliar and not unsure.dark and "0.70" in unsure.reasons()[0]
    assert not check_scene(bright, flat_segmap((32, 48), None)).unfamiliar  # no confidence: no claim
    strict = SceneLimits(min_brightness=130)
    assert check_scene(bright, flat_segmap((32, 48), 0.95), strict).dark


@pytest.fixture(scope="module")
def codec():
    if "camvid-sc-c8" not in selgan.list_models():
        pytest.skip("the shipped camvid-sc-c8 is not installed")
    return shared("camvid-sc-c8")


def test_daylight_streets_from_other_cameras_pass(codec, val_frame):
    for path in (DASHCAM, val_frame[0]):
        rgb = load_rgb(path)
        check = check_scene(rgb, codec.segment(rgb))
        assert not check.doubtful, (path.name, check)


def test_the_dashcam_at_night_is_dark(codec):
    rgb = degrade(load_rgb(DASHCAM), "night", np.random.default_rng([9, 0]))
    check = check_scene(rgb, codec.segment(rgb))
    assert check.dark and check.doubtful


@pytest.mark.parametrize("path", NONSTREET, ids=lambda p: p.stem)
def test_photos_that_are_not_streets_are_unfamiliar(codec, path):
    rgb = load_rgb(path)
    check = check_scene(rgb, codec.segment(rgb))
    assert check.unfamiliar, check


def test_the_app_warns_and_suggests_the_global_model(codec):
    gr = pytest.importorskip("gradio")  # noqa: F841
    from selgan.app import handlers, views

    view = handlers.on_image(str(NONSTREET[0]), "camvid-sc-c8")
    assert "outside what the models know" in view.scene and "the segmenter is unsure" in view.scene
    safest = views.global_models(selgan.list_models(), shared)[0]  # fewest latent channels: the smallest files
    assert not shared(safest).default_preserve and f"the global model <b>{safest}</b>" in view.scene
    daylight = handlers.on_image(str(DASHCAM), "camvid-sc-c8")
    assert daylight.scene == ""


def test_a_global_model_says_nothing_is_painted(codec):
    from selgan.app.views import scene_markdown

    check = SceneCheck(brightness=10.0, confidence=0.95)
    text = scene_markdown(check, shared("camvid-gc-c4"), ["camvid-gc-c4"])
    assert "nothing is painted" in text and "Safer" not in text
    assert scene_markdown(SceneCheck(brightness=100.0, confidence=0.95), codec, ["camvid-gc-c4"]) == ""


def test_compress_warns_about_the_scene_of_a_selective_file(codec):
    import warnings

    with pytest.warns(selgan.SceneWarning, match="outside what the models know: the segmenter is unsure"):
        codec.compress(NONSTREET[0], preserve="default")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        codec.compress(NONSTREET[0], preserve="all")  # the whole photo coded: nothing painted, nothing to say
        codec.compress(DASHCAM, preserve="default", guard="preserve")
    assert not [w for w in caught if issubclass(w.category, selgan.SceneWarning)]


def test_the_cli_says_it_in_one_line(codec, tmp_path, capsys):
    from selgan.cli import main

    out = tmp_path / "cup.sgc"
    assert (
        main(["compress", str(NONSTREET[0]), "-o", str(out), "--model", "camvid-sc-c8", "--preserve", "default"]) == 0
    )
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "outside what the models know" in x)
    assert line.startswith(f"selgan: warning: {NONSTREET[0]}: this photo may be outside") and "Traceback" not in err
    assert out.stat().st_size > 0
