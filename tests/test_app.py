"""The Gradio app's callbacks, called directly (no browser); the browser test is test_app_browser.py."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

gr = pytest.importorskip("gradio")

import selgan  # noqa: E402
from selgan.cli import load_app_module  # noqa: E402

app = load_app_module()
MODEL = "tiny-test"


@pytest.fixture()
def session(use_tiny_zoo, val_frame):
    return app.on_image(str(val_frame[0]), MODEL, None)


def test_new_image_is_segmented_with_overlay_legend_and_choices(session):
    state, overlay, legend, classes, editor, preview = session
    assert preview is state.rgb
    assert state.rgb.shape == (360, 480, 3)
    assert overlay.size == (480, 360)
    present = state.segmaps["tiny-seg"].classes_present()
    assert legend.count("<li>") == len(present)
    for share in present:
        assert share.name in legend and f"rgb{share.color}" in legend
    names = [value for _, value in classes["choices"]]
    assert "Unlabelled" not in names and len(names) == 11
    assert set(classes["value"]) <= {"Pedestrian", "Bicyclist", "Car"}
    assert editor["background"].shape == (360, 480, 3)


def test_huge_images_are_downscaled_below_the_limit(use_tiny_zoo, tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(np.full((400, 1000, 3), 120, np.uint8)).save(path)
    with pytest.warns(UserWarning, match="downscaled"):
        state, *_ = app.on_image(str(path), MODEL, None, max_pixels=100_000)
    height, width = state.rgb.shape[:2]
    assert height * width <= 100_000 and abs(width / height - 2.5) < 0.05


def test_non_image_upload_is_one_clear_error(use_tiny_zoo, tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    with pytest.raises(gr.Error, match="not a readable image"):
        app.on_image(str(path), MODEL, None)


def test_presets_follow_the_vocabulary():
    names = ["Sky", "Building", "Road", "Car", "Pedestrian", "Bicyclist", "Tree"]
    assert app.preset_classes("people and vehicles", names) == ["Car", "Pedestrian", "Bicyclist"]
    assert app.preset_classes("everything but sky and road", names) == ["Building", "Car", "Pedestrian",
                                                                         "Bicyclist", "Tree"]
    assert app.preset_classes("nothing — fully generative", names) == []
    assert app.preset_classes("everything — global", names) == names


def test_strokes_take_the_nearest_brush_colour(use_tiny_zoo):
    codec = app.shared_codec(MODEL)
    layer = np.zeros((32, 48, 4), np.uint8)
    layer[:8, :8] = (10, 250, 5, 255)  # near the keep colour
    layer[8:16, :8] = (250, 0, 250, 200)  # synthesise
    car = codec.class_names.index("Car")
    layer[16:24, :8] = (*codec.model.vocab.palette()[car], 255)
    layer[24:, :8] = (0, 255, 0, 40)  # too transparent to count
    strokes = app.read_strokes({"layers": [layer]}, (48, 32), codec)
    assert strokes.add.sum() == 64 and strokes.remove.sum() == 64
    assert list(strokes.relabel) == [car] and strokes.relabel[car].sum() == 64
    # A canvas at another resolution is mapped onto the image.
    scaled = app.read_strokes({"layers": [np.repeat(np.repeat(layer, 2, 0), 2, 1)]}, (48, 32), codec)
    assert scaled.add.sum() == 64


def test_selection_modes(session):
    state = session[0]
    codec = app.shared_codec(MODEL)
    segmap = state.segmaps["tiny-seg"]
    none = app.read_strokes(None, segmap.size, codec)
    assert app.selection([n for _, n in app.selectable(codec)], none, segmap, codec)[0] == {}
    assert app.selection(["Car"], none, segmap, codec)[0] == {"preserve": ["Car"]}
    with pytest.warns(UserWarning, match="Nothing is selected"):
        kwargs, how = app.selection([], none, segmap, codec)
    assert not kwargs["mask"].any() and "fully generative" in how
    add = np.zeros(segmap.labels.shape, bool)
    add[:16, :16] = True
    strokes = app.Strokes(add=add, remove=segmap.labels == segmap.labels[200, 200], relabel={})
    kwargs, _ = app.selection(["Road"], strokes, segmap, codec)
    road = segmap.labels == codec.class_names.index("Road")
    expected = (road | add) & ~strokes.remove
    assert np.array_equal(kwargs["mask"], expected)


def test_compress_gives_a_decodable_file_and_the_comparison(session, tmp_path):
    state = session[0]
    slider, mask, stats, compare, gallery, download = app.on_compress(
        state, MODEL, ["Car", "Road"], None, 7, tmp_path)
    data = open(download["value"], "rb").read()
    bitstream = selgan.Bitstream.from_bytes(data)
    assert bitstream.seed == 7 and f"**{len(data):,} B**" in stats and f"{bitstream.bpp:.4f} bpp" in stats
    assert np.array_equal(np.asarray(selgan.decompress(data)), slider[1])
    assert slider[0] is state.rgb
    assert np.asarray(mask).shape == (360, 480, 3)
    assert "AVIF" in compare and "JPEG" in compare
    for image, caption in gallery:  # every classical file shown fits in the same bytes
        assert int(caption.split(", ")[1].split(" B")[0].replace(",", "")) <= len(data)
    # A class painted over the segmentation changes the stored label map.
    codec = app.shared_codec(MODEL)
    layer = np.zeros((360, 480, 4), np.uint8)
    layer[:, :240] = (*codec.model.vocab.palette()[codec.class_names.index("Tree")], 255)
    relabelled = app.on_compress(state, MODEL, ["Car"], {"layers": [layer]}, 7, tmp_path)
    assert open(relabelled[5]["value"], "rb").read() != data


def test_compress_without_an_image_says_so(use_tiny_zoo, tmp_path):
    with pytest.raises(gr.Error, match="Upload or pick an image"):
        app.on_compress(None, MODEL, [], None, 0, tmp_path)


def test_decode_tab_shows_header_then_image(session, tmp_path):
    state = session[0]
    path = app.on_compress(state, MODEL, ["Car"], None, 0, tmp_path)[5]["value"]
    header = app.on_header(path)
    assert "tiny-test" in header and "480×360" in header and "selective" in header and "Car" in header
    assert app.on_decode(path).shape == (360, 480, 3)


@pytest.mark.parametrize("payload, message", [
    (b"", "empty|truncated|not a selgan"),
    (b"GIF89a" + bytes(40), "not a selgan"),
])
def test_bad_files_in_the_decode_tab(use_tiny_zoo, tmp_path, payload, message):
    path = tmp_path / "bad.sgc"
    path.write_bytes(payload)
    with pytest.raises(gr.Error, match=message):
        app.on_header(str(path))
    with pytest.raises(gr.Error, match=message):
        app.on_decode(str(path))


def test_session_folders_are_per_session(tmp_path):
    a = app.session_dir(tmp_path, gr.Request(session_hash="abc123"))
    b = app.session_dir(tmp_path, gr.Request(session_hash="../evil"))
    assert a != b and a.parent == tmp_path and b.parent == tmp_path
