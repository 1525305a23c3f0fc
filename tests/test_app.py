"""The Gradio app's callbacks, called directly (no browser), and its API through gradio_client.

The browser tests are in test_app_browser.py.
"""

from __future__ import annotations

import io
import re
import socket
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

gr = pytest.importorskip("gradio")

import selgan  # noqa: E402
from selgan.api import shared  # noqa: E402
from selgan.app import compare, handlers, layout, messages, views  # noqa: E402
from selgan.app import session as app_session  # noqa: E402
from selgan.app import steps as app_steps  # noqa: E402
from selgan.baselines import BaselineCodec, code_at_budget  # noqa: E402
from selgan.cli import main as cli_main  # noqa: E402
from selgan.errors import ImageError  # noqa: E402
from selgan.imageio import load_rgb  # noqa: E402
from selgan.metrics import psnr  # noqa: E402
from selgan.segment import SegMap  # noqa: E402

MODEL = "tiny-test"
CLASS_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception)\b")  # e.g. UnidentifiedImageError


@pytest.fixture()
def view(use_tiny_zoo, val_frame):
    return handlers.on_image(str(val_frame[0]), MODEL, None)


@pytest.fixture()
def session(view):
    return view.session


def message(excinfo) -> str:
    return str(excinfo.value.message if hasattr(excinfo.value, "message") else excinfo.value)


# ---- a new image: segmentation shown before compressing ------------------------------------------
def test_new_image_is_segmented_with_overlay_legend_and_choices(view):
    state, overlay, legend, classes, editor = view.session, view.overlay, view.legend, view.classes, view.editor
    assert state.rgb.shape == (360, 480, 3) and state.name == view.session.name
    assert overlay.size == (480, 360)
    segmap = state.segmaps["tiny-seg"]
    present = segmap.classes_present()
    assert legend.count("<li>") == len(present)
    for share in present:
        assert share.name in legend and f"rgb{share.color}" in legend
    names = [value for _, value in classes["choices"]]
    assert "Unlabelled" not in names and len(names) == 11
    assert set(classes["value"]) <= {"Pedestrian", "Bicyclist", "Car"}
    assert editor["background"].shape == (360, 480, 3)
    assert np.array_equal(editor["background"], np.asarray(overlay))  # the canvas shows the flagged segmentation
    # The tiny segmenter has random weights: it is unsure of much of the frame, and says so.
    assert segmap.uncertain().any() and "Hatched" in legend and "unsure" in legend


def test_unsure_labels_are_hatched_and_named():
    from selgan.segment import get_vocabulary

    vocab = get_vocabulary("camvid")
    labels = np.zeros((64, 64), np.int64)
    labels[:, 32:] = 3
    confidence = np.full((64, 64), 0.9, np.float32)
    confidence[:, 32:] = 0.2  # the segmenter doubts the right half
    rgb = np.full((64, 64, 3), 90, np.uint8)
    segmap = SegMap(labels, vocab, confidence)
    flagged = np.asarray(views.segmentation_view(rgb, segmap))
    plain_overlay = np.asarray(segmap.overlay(rgb))
    changed = (flagged != plain_overlay).any(-1)
    assert not changed[:, :32].any() and 0.2 < changed[:, 32:].mean() < 0.6  # stripes over the unsure half only
    legend = views.legend_html(segmap)
    assert "Hatched" in legend and "50% of the image" in legend
    assert f"{vocab.class_names[3]} <b>50.0%</b>" in legend and "100% unsure" in legend
    certain = SegMap(labels, vocab, None)
    assert "Hatched" not in views.legend_html(certain) and np.array_equal(
        views.segmentation_view(rgb, certain), certain.overlay(rgb)
    )


def test_tiny_classes_are_not_shown_as_zero_percent(use_tiny_zoo):
    assert views.share_text(0.0) == "<1%" and views.share_text(0.003) == "<1%" and views.share_text(0.006) == "1%"
    assert views.share_text(0.0004, 1) == "<0.1%" and views.share_text(0.012, 1) == "1.2%"
    codec = shared(MODEL)
    labels = np.zeros((100, 100), np.int64)
    car = codec.class_names.index("Car")
    labels[:3, :10] = car  # 0.3% of the image
    choices = {value: label for label, value in views.class_choices(codec, SegMap(labels, codec.vocabulary))}
    assert choices["Car"] == "Car (<1%)" and choices[codec.class_names[0]] == f"{codec.class_names[0]} (100%)"
    assert choices["Road"] == "Road" and not any("(0%)" in label for label in choices.values())


def test_huge_images_are_downscaled_below_the_limit(use_tiny_zoo, tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(np.full((400, 1000, 3), 120, np.uint8)).save(path)
    with pytest.warns(UserWarning, match="big.png is 1000×400; it was downscaled"):
        state = handlers.on_image(str(path), MODEL, None, max_pixels=100_000).session
    height, width = state.rgb.shape[:2]
    assert height * width <= 100_000 and abs(width / height - 2.5) < 0.05


@pytest.mark.parametrize("size", [(1, 1), (40, 8)])
def test_too_small_images_get_a_clear_message(use_tiny_zoo, tmp_path, size):
    path = tmp_path / "dot.png"
    Image.fromarray(np.zeros((size[1], size[0], 3), np.uint8)).save(path)
    with pytest.raises(gr.Error) as failure:
        handlers.on_image(str(path), MODEL, None)
    assert message(failure) == f"dot.png is {size[0]}×{size[1]} pixels: selgan needs at least 16×16."


# ---- messages: the user's file name and a plain sentence -------------------------------------------
def test_non_image_upload_is_one_plain_error(use_tiny_zoo, tmp_path):
    path = tmp_path / "holiday.png"
    path.write_text("not an image")
    with pytest.raises(gr.Error) as failure:
        handlers.on_image(str(path), MODEL, None)
    text = message(failure)
    assert text.startswith("holiday.png: not a readable image")
    assert str(tmp_path) not in text and "/" not in text and not CLASS_NAME.search(text)


def test_imageio_messages_name_no_exception_classes(tmp_path):
    (tmp_path / "notes.png").write_text("text")
    png = io.BytesIO()
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(png, format="PNG")
    (tmp_path / "cut.png").write_bytes(png.getvalue()[:60])
    (tmp_path / "folder.png").mkdir()
    expected = {
        "notes.png": "not a readable image (not in an image format",
        "cut.png": "not a readable image",
        "folder.png": "is a folder",
        "missing.png": "no such file",
    }
    for name, words in expected.items():
        with pytest.raises(ImageError) as failure:
            load_rgb(tmp_path / name)
        assert words in str(failure.value) and not CLASS_NAME.search(str(failure.value)), str(failure.value)


def test_plain_messages_drop_server_paths():
    assert messages.plain("/tmp/gradio/2f0a/holiday.png: not a readable image") == "holiday.png: not a readable image"
    assert messages.plain("file /srv/zoo/x.safetensors is missing") == "file x.safetensors is missing"
    for untouched in ("JPEG at 1/4 size", "people/vehicles", "see https://example.org/a/b", "1,000 B"):
        assert messages.plain(untouched) == untouched


def test_unexpected_errors_are_reported_without_internals(use_tiny_zoo, val_frame, monkeypatch):
    def broken(name):
        raise RuntimeError("boom in /srv/selgan/secret.py")

    monkeypatch.setattr(handlers, "shared", broken)
    with pytest.raises(gr.Error) as failure:
        handlers.on_image(str(val_frame[0]), MODEL, None)
    text = message(failure)
    assert text.startswith("Something went wrong while reading and segmenting the image")
    assert "RuntimeError" not in text and "/srv" not in text and "boom" not in text


# ---- choosing what to preserve ---------------------------------------------------------------------
def test_presets_follow_the_vocabulary(use_tiny_zoo):
    codec = shared(MODEL)
    names = views.selectable_names(codec)
    assert views.preset_classes("people and vehicles", codec) == ["Car", "Pedestrian", "Bicyclist"]
    assert views.preset_classes("everything but sky and road", codec) == [n for n in names if n not in ("Sky", "Road")]
    assert views.preset_classes("nothing — fully generative", codec) == []
    assert views.preset_classes("everything — global", codec) == names


def test_strokes_take_the_nearest_brush_colour(use_tiny_zoo):
    codec = shared(MODEL)
    layer = np.zeros((32, 48, 4), np.uint8)
    layer[:8, :8] = (10, 250, 5, 255)  # near the keep colour
    layer[8:16, :8] = (250, 0, 250, 200)  # synthesise
    car = codec.class_names.index("Car")
    layer[16:24, :8] = (*codec.model.vocab.palette()[car], 255)
    layer[24:, :8] = (0, 255, 0, 40)  # too transparent to count
    strokes = handlers.read_strokes({"layers": [layer]}, (48, 32), codec)
    assert strokes.add.sum() == 64 and strokes.remove.sum() == 64
    assert list(strokes.relabel) == [car] and strokes.relabel[car].sum() == 64
    # A canvas at another resolution is mapped onto the image.
    scaled = handlers.read_strokes({"layers": [np.repeat(np.repeat(layer, 2, 0), 2, 1)]}, (48, 32), codec)
    assert scaled.add.sum() == 64


def test_selection_modes(session):
    codec = shared(MODEL)
    segmap = session.segmaps["tiny-seg"]
    none = handlers.read_strokes(None, segmap.size, codec)
    assert handlers.selection([n for _, n in views.selectable(codec)], none, segmap, codec)[0] == {}
    assert handlers.selection(["Car"], none, segmap, codec)[0] == {"preserve": ["Car"]}
    with pytest.warns(UserWarning, match="Nothing is selected"):
        kwargs, how = handlers.selection([], none, segmap, codec)
    assert kwargs == {"preserve": "nothing"} and "fully generative" in how
    add = np.zeros(segmap.labels.shape, bool)
    add[:16, :16] = True
    strokes = handlers.Strokes(add=add, remove=segmap.labels == segmap.labels[200, 200], relabel={})
    kwargs, _ = handlers.selection(["Road"], strokes, segmap, codec)
    road = segmap.labels == codec.class_names.index("Road")
    expected = (road | add) & ~strokes.remove
    assert np.array_equal(kwargs["mask"], expected)


# ---- compress: selgan's result first, then the classical codecs ----------------------------------------
def test_compress_shows_the_decoded_file_then_the_comparison(session, tmp_path):
    result = handlers.on_compress(session, MODEL, ["Car", "Road"], None, 7, tmp_path)
    data = Path(result.download).read_bytes()
    bitstream = selgan.Bitstream.from_bytes(data)
    stats = result.stats
    assert bitstream.seed == 7 and f"**{len(data):,} B**" in stats and f"{bitstream.bpp:.4f} bpp" in stats
    recon = np.asarray(selgan.decompress(data))
    assert np.array_equal(recon, result.slider[1]) and result.slider[0] is session.rgb
    preserved = shared(MODEL).preserved_mask(data)
    assert np.asarray(result.mask).shape == (360, 480, 3)
    # Truthful words and the preserved region's quality.
    assert "coded at the model's rate" in stats and "painted from the label map" in stats
    assert "faithful" not in stats and "as is" not in stats
    assert f"| PSNR (preserved region) | {psnr(session.rgb, recon, preserved):.2f} dB |" in stats
    assert f"{len(data):,} B" in result.status
    # The comparison comes after, from the session's result, row by row: the same region measured for every codec.
    steps = list(handlers.on_compare(session))
    assert len(steps) == 1 + len(compare.COMPARE_WITH)
    first = steps[0][0].splitlines()
    assert first[2].startswith("| **selgan**") and all("coding…" in line for line in first[3:]) and not steps[0][1]
    table, found = steps[-1]
    lines = table.splitlines()
    assert lines[0] == "| codec | file | PSNR, preserved region | PSNR, whole image |"
    assert lines[2].startswith(
        f"| **selgan** ({MODEL}) | {len(data):,} B | {psnr(session.rgb, recon, preserved):.2f} dB |"
    )
    assert any(line.startswith("| AVIF") for line in lines) and any(line.startswith("| JPEG") for line in lines)
    assert found
    for item in found:  # every classical file shown fits in the same bytes, and is shown as coded
        assert item.match.num_bytes <= len(data)
        row = next(line for line in lines if line.startswith(f"| {item.label} |"))
        assert f"{item.match.num_bytes:,} B" in row
        assert f"{psnr(session.rgb, item.match.reconstruction, preserved):.2f} dB" in row
        assert f"{item.label} {item.match.num_bytes:,} B" in compare.versus_label(session.result, item)
    # A class painted over the segmentation changes the stored label map.
    codec = shared(MODEL)
    layer = np.zeros((360, 480, 4), np.uint8)
    layer[:, :240] = (*codec.model.vocab.palette()[codec.class_names.index("Tree")], 255)
    relabelled = handlers.on_compress(session, MODEL, ["Car"], {"layers": [layer]}, 7, tmp_path)
    assert Path(relabelled.download).read_bytes() != data


def test_a_new_image_drops_the_old_result(use_tiny_zoo, session, val_frame, tmp_path):
    handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path)
    assert session.result is not None and handlers.on_compare(session) is not None
    fresh = handlers.on_image(str(val_frame[0]), MODEL, session).session
    assert fresh is not session and fresh.result is None
    assert handlers.on_compare(fresh) is None  # a comparison queued behind the new image shows nothing old
    assert handlers.on_image(None, MODEL, fresh).session.rgb is None  # cleared input: an empty session
    session.replaced = True  # what the page's clear step marks: no comparison for the old image any more
    assert handlers.on_compare(session) is None


def test_compress_without_an_image_says_so(use_tiny_zoo, tmp_path):
    with pytest.raises(gr.Error, match="Upload or pick an image"):
        handlers.on_compress(None, MODEL, [], None, 0, tmp_path)


def test_effort_refines_the_file_in_the_page_and_reports_its_steps(session, tmp_path):
    seen = []

    def progress(share, desc=""):
        seen.append(desc)

    fast = handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path, progress=progress, effort="fast")
    better = handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path, progress=progress, effort="better")
    assert "effort better" in better.status and "effort fast" in fast.status
    assert any(re.fullmatch(r"effort better: step \d+/8, about \d+ s left", d) for d in seen), seen
    assert selgan.Bitstream.from_bytes(Path(better.download).read_bytes()).model_id == MODEL


def test_the_page_locks_compress_until_an_image_is_segmented(use_tiny_zoo, val_frame, tmp_path):
    steps = app_steps.Steps(tmp_path, messages.DEFAULT_MAX_PIXELS)
    cleared = steps.reset_view(None)
    assert cleared[6] == gr.update(interactive=False)  # while the new image is read and segmented
    loaded = steps.load_image(str(val_frame[0]), MODEL)
    assert loaded[0].rgb is not None and loaded[6] == gr.update(interactive=True)
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.warns(UserWarning, match="notes.png: not a readable image") as said:
        failed = steps.load_image(str(bad), MODEL)  # no exception: Gradio would run nothing after it
    assert len(said) == 1 and failed[0].rgb is None and failed[6] == gr.update(interactive=False)
    # Pressing Compress takes the last result off the screen at once and locks the button.
    session = loaded[0]
    handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path)
    shown = steps.starting(session)
    assert shown[0] == gr.update(interactive=False) and session.result is None
    assert dict(zip(app_steps.RESULTS, shown[1:]))["status"] == "*Compressing…*"
    assert dict(zip(app_steps.RESULTS, shown[1:]))["slider"] is None


def test_the_comparison_slider_and_zoom_show_the_same_spot(session, tmp_path):
    steps = app_steps.Steps(tmp_path, messages.DEFAULT_MAX_PIXELS)
    handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path)
    *_, (table, versus, against) = list(steps.compare(session))
    assert against["value"] == session.against and session.found
    left, right = versus["value"]
    assert np.array_equal(left, session.result.recon) and left.shape == right.shape  # uncropped, same scale
    assert f"selgan {len(session.result.data):,} B" in versus["label"]
    first = session.found[0].name
    steps.choose_against(session, first)
    list(steps.compare(session))  # a comparison filling in again keeps what the user chose
    assert session.against == first

    class Click:
        index = (480 - 1, 0)  # the top right corner of the preserved-mask picture

    zoom, (original, mine), versus = steps.zoom_at(session, Click())
    assert zoom == "2×" and original.shape == (180, 240, 3) and mine.shape == (180, 240, 3)
    assert np.array_equal(original, session.rgb[:180, 240:]) and np.array_equal(mine, session.result.recon[:180, 240:])
    assert np.array_equal(versus["value"][0], mine)  # both sliders on the same spot
    (original, _), _ = steps.set_zoom(session, "4×")
    assert original.shape == (90, 120, 3) and np.array_equal(original, session.rgb[:90, 360:])
    (original, _), _ = steps.set_zoom(session, "whole image")
    assert original is session.rgb


def test_a_failing_comparison_is_said_in_its_panel_and_the_chain_goes_on(session, tmp_path, monkeypatch):
    """Gradio runs no later step after one that raises: the unlock step after the comparison must still run."""
    steps = app_steps.Steps(tmp_path, messages.DEFAULT_MAX_PIXELS)
    handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path)

    def broken(name, rgb, max_bytes):
        raise RuntimeError("avifenc crashed in /usr/lib/secret")

    monkeypatch.setattr(compare, "best_baseline", broken)
    shown = list(steps.compare(session))  # no exception
    assert shown[-1][0].startswith("**Something went wrong while comparing with the classical codecs")
    assert "/usr/lib" not in shown[-1][0]
    assert steps.unlock(session) == gr.update(interactive=True)
    assert steps.unlock(app_session.Session()) == gr.update(interactive=False)  # no image: nothing to code


def test_the_model_table_says_what_each_model_costs_for_this_photo(session):
    text = handlers.on_model_sizes(session, 0)
    row = next(line for line in text.splitlines() if line.startswith(f"| {MODEL} |"))
    size = int(re.search(r"\| ([\d,]+) B \|", row).group(1).replace(",", ""))
    codec = shared(MODEL)
    preserve = "default" if codec.default_preserve else None
    assert size == codec.compress(session.rgb, preserve=preserve, guard="off").num_bytes
    assert "—" in handlers.on_model_sizes(None, 0)  # no photo yet: what each is for, no sizes


def test_classical_files_are_found_once_per_image_and_size(session, tmp_path, monkeypatch):
    handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path)
    searches = []
    real = compare.best_baseline
    monkeypatch.setattr(compare, "best_baseline", lambda *args: searches.append(args[0]) or real(*args))
    first = list(handlers.on_compare(session))[-1]
    assert sorted(searches) == sorted(compare.COMPARE_WITH)
    handlers.on_compress(session, MODEL, ["Car"], None, 1, tmp_path)  # another seed: the same file size
    again = list(handlers.on_compare(session))[-1]
    assert len(searches) == len(compare.COMPARE_WITH)
    assert again[0].splitlines()[3:] == first[0].splitlines()[3:]  # the same classical rows, not searched again


def test_baseline_search_stops_early_and_finds_the_same_files():
    calls = []

    def encode(rgb, quality):
        calls.append(quality)
        return bytes(100 + 3 * quality)

    fake = BaselineCodec("fake", encode, lambda data: np.zeros((8, 8, 3), np.uint8), (0, 100))
    rgb = np.zeros((8, 8, 3), np.uint8)
    assert code_at_budget(fake, rgb, 99).reconstruction is None and calls == [0]  # one encode when nothing fits
    for budget in (100, 101, 250, 399, 400, 1000):
        calls.clear()
        found = code_at_budget(fake, rgb, budget)
        best = max(q for q in range(101) if 100 + 3 * q <= budget)
        assert found.quality == best and found.num_bytes == 100 + 3 * best
        assert len(calls) == len(set(calls)) <= 9  # each quality coded once: the lowest, then bisection


# ---- the byte budget ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("1500", 1500),
        ("1,500 B", 1500),
        ("1.5 KB", 1500),
        ("1,5 kb", 1500),
        ("2 KiB", 2048),
        (" 800 bytes ", 800),
        ("", None),
        (None, None),
    ],
)
def test_budget_box_reads_bytes_or_kilobytes(text, expected):
    assert messages.parse_budget(text) == expected


@pytest.mark.parametrize("text", ["lots", "0", "-5", "1.5 MB", "0.0001 KB"])
def test_bad_budgets_are_one_clear_message(text):
    with pytest.raises(gr.Error, match="is not a byte budget"):
        messages.parse_budget(text)


def test_budget_ticks_what_it_affords_and_can_be_overridden(session, tmp_path):
    ticks, model, note = handlers.on_budget(session, MODEL, "1 KB", 0)
    afforded = session.afforded
    assert afforded.bitstream.num_bytes <= 1000 and model["value"] == afforded.bitstream.model_id == MODEL
    codec = shared(MODEL)
    expected = [n for i, n in views.selectable(codec) if i in afforded.bitstream.preserved_classes]
    present = {c.name for c in session.segmaps["tiny-seg"].classes_present()}
    expected = [n for n in expected if n in present]  # a class the photo lacks is not ticked (it costs nothing)
    assert ticks["value"] == afforded.ticks == expected and expected  # the classes of the chosen rung
    assert "1 KB = 1,000 B** affords preserving" in note and f"{afforded.bitstream.num_bytes:,} B" in note
    # Compress as the budget chose: exactly its file, within the budget.
    chosen = handlers.on_compress(session, MODEL, ticks["value"], None, 0, tmp_path, budget_text="1 KB")
    data = Path(chosen.download).read_bytes()
    assert data == afforded.bitstream.to_bytes() and "1,000 B: fits" in chosen.stats
    # The same budget again (a click in and out of the box) changes nothing.
    assert handlers.on_budget(session, MODEL, "1000", 0) == (gr.skip(), gr.skip(), gr.skip())
    # The user overrides the ticks: their choice is coded, and the stats say whether it still fits.
    session.overridden = True
    every = [n for _, n in views.selectable(codec)][:-1]
    with pytest.warns(UserWarning, match="over the 1,000 B budget"):
        mine = handlers.on_compress(session, MODEL, every, None, 0, tmp_path, budget_text="1 KB")
    assert selgan.Bitstream.from_bytes(Path(mine.download).read_bytes()).num_bytes > 1000
    assert "over by" in mine.stats and "preserving" in mine.stats
    # Leaving the budget box unchanged keeps the override; pressing Enter in it applies the budget again.
    assert handlers.on_budget(session, MODEL, "1 KB", 0, force=False) == (gr.skip(), gr.skip(), gr.skip())
    assert session.overridden
    again, _, _ = handlers.on_budget(session, MODEL, "1 KB", 0)
    assert again["value"] == expected and not session.overridden
    # A budget that fits the whole image ticks every class.
    ticks, _, note = handlers.on_budget(session, MODEL, "100 KB", 0)
    assert ticks["value"] == [n for _, n in views.selectable(codec)] and "the whole image" in note
    assert session.overridden is False


def test_an_impossible_budget_names_the_smallest_file(session, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, in the note beside the box, not again as a notice
        ticks, model, note = handlers.on_budget(session, MODEL, "5", 0)
    assert ticks == gr.skip() and model == gr.skip() and re.search(r"smallest for this image is \d+ bytes", note)
    with pytest.raises(gr.Error, match=r"no file fits in 5 bytes: the smallest for this image is \d+ bytes"):
        handlers.on_compress(session, MODEL, [], None, 0, tmp_path, budget_text="5")
    assert handlers.on_budget(None, MODEL, "2 KB", 0)[2].startswith("Budget 2,000 B: pick an image")
    # A mistyped budget is said beside the box (no error badge over the ticks), and changes nothing.
    ticks, model, note = handlers.on_budget(session, MODEL, "lots", 0)
    assert ticks == gr.skip() and model == gr.skip() and "“lots” is not a byte budget" in note


# ---- the decode tab ---------------------------------------------------------------------------------------
def test_decode_tab_shows_header_then_image(session, tmp_path):
    path = handlers.on_compress(session, MODEL, ["Car"], None, 0, tmp_path).download
    header = handlers.on_header(path)
    assert "tiny-test" in header and "480×360" in header and "selective" in header and "Car" in header
    assert np.array_equal(handlers.on_decode(path), np.asarray(selgan.decompress(Path(path).read_bytes())))
    assert handlers.on_header(None) == "" and handlers.on_decode(None) is None  # a cleared upload clears the tab


@pytest.mark.parametrize(
    "payload, pattern",
    [
        (b"", "empty|truncated|not a selgan"),
        (b"GIF89a" + bytes(40), "not a selgan"),
    ],
)
def test_bad_files_in_the_decode_tab(use_tiny_zoo, tmp_path, payload, pattern):
    path = tmp_path / "bad.sgc"
    path.write_bytes(payload)
    for callback in (handlers.on_header, handlers.on_decode):
        with pytest.raises(gr.Error, match=pattern) as failure:
            callback(str(path))
        assert str(tmp_path) not in message(failure)


def test_session_folders_are_per_session(tmp_path):
    a = app_session.session_dir(tmp_path, gr.Request(session_hash="abc123"))
    b = app_session.session_dir(tmp_path, gr.Request(session_hash="../evil"))
    assert a != b and a.parent == tmp_path and b.parent == tmp_path


# ---- events, endpoints and concurrency ----------------------------------------------------------------------
EVENTS = {
    "load_example",
    "clear_result",
    "load_image",
    "budget_for_image",
    "apply_budget",
    "budget_on_leave",
    "model_sizes",
    "initial_models",
    "change_model",
    "recolour_brush",
    "initial_brush",
    "apply_preset",
    "override_ticks",
    "lock_compress",
    "compress_in_page",
    "compare_classical",
    "unlock_compress",
    "zoom",
    "zoom_at",
    "against",
    "compress",
    "clear_decoded",
    "read_header",
    "decode",
    "cleanup",
}


def test_every_event_is_named_and_only_documented_ones_are_public(use_tiny_zoo, tmp_path):
    blocks = layout.build_app(workdir=tmp_path)
    dependencies = blocks.get_config_file()["dependencies"]
    names = [d["api_name"] for d in dependencies]
    assert sorted(names) == sorted(EVENTS)  # each named by us, none auto-numbered (`image_changed_1`, `lambda`)
    public = {d["api_name"] for d in dependencies if d["api_visibility"] == "public"}
    assert public == {"compress", "read_header", "decode"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def served(use_tiny_zoo, tmp_path):
    blocks = layout.build_app(workdir=tmp_path / "app")
    port = free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, show_error=True)
    yield f"http://127.0.0.1:{port}/"
    blocks.close()


def test_compress_endpoint_from_gradio_client(served, val_frame, tmp_path):
    client_module = pytest.importorskip("gradio_client")
    client = client_module.Client(served, verbose=False)
    api = client.view_api(return_format="dict", print_info=False)
    assert set(api["named_endpoints"]) == {"/compress", "/read_header", "/decode"} and not api["unnamed_endpoints"]
    endpoint = api["named_endpoints"]["/compress"]
    assert [p["parameter_name"] for p in endpoint["parameters"]] == ["image", "preserve", "model", "seed", "max_bytes"]
    preserve_type = endpoint["parameters"][1]["python_type"]["type"]
    assert "Literal[]" not in preserve_type and "'Car'" in preserve_type
    assert "Compress one image with selgan" in endpoint["description"]
    image = client_module.handle_file(str(val_frame[0]))

    sgc, png, summary = client.predict(image, ["Car", "Road"], MODEL, 7, None, api_name="/compress")
    data = Path(sgc).read_bytes()
    assert sgc.endswith(".tiny-test.sgc") and summary["bytes"] == len(data) and summary["seed"] == 7
    assert summary["model"] == MODEL and summary["preserved_classes"] == ["Road", "Car"]
    decoded = np.asarray(selgan.decompress(data))
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and np.array_equal(np.asarray(Image.open(png)), decoded)
    assert summary["psnr_whole"] == round(psnr(load_rgb(val_frame[0]), decoded), 3)

    sgc, _, summary = client.predict(image, [], MODEL, 0, 1000, api_name="/compress")
    assert summary["bytes"] == len(Path(sgc).read_bytes()) <= 1000
    with pytest.raises(Exception, match="smallest for this image is"):
        client.predict(image, [], MODEL, 0, 5, api_name="/compress")
    notes = tmp_path / "notes.png"
    notes.write_text("hello")
    with pytest.raises(Exception, match="notes.png: not a readable image") as failure:
        client.predict(client_module.handle_file(str(notes)), [], MODEL, 0, None, api_name="/compress")
    assert "/tmp" not in str(failure.value)


def test_concurrency_option(use_tiny_zoo, tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_code:
        cli_main(["app", "--concurrency", "0"])
    assert exit_code.value.code == 2 and "at least 1" in capsys.readouterr().err
    started = {}
    import selgan.app

    monkeypatch.setattr(selgan.app, "main", lambda *args: started.setdefault("args", args))
    assert cli_main(["app", "--concurrency", "3", "--port", "7999"]) == 0
    assert started["args"][-1] == 3 and started["args"][1] == 7999
    blocks = layout.build_app(workdir=tmp_path, concurrency=3)
    model_jobs = [fn for fn in blocks.fns.values() if fn.concurrency_id == layout.CPU]
    assert model_jobs and all(fn.concurrency_limit == 3 for fn in model_jobs)
