"""selgan in the browser: choose what to preserve and what to synthesise, see the result, download the file.

UI only: every operation goes through selgan's public API. Start it with `selgan app`
(or `python apps/gradio_app.py`); `build_app()` returns the gr.Blocks for tests and embedding.

Besides the page, the app serves a documented endpoint for programs (see `api_compress`):

    from gradio_client import Client, handle_file
    sgc, png, info = Client("http://127.0.0.1:7860/").predict(
        handle_file("photo.jpg"), ["Car", "Pedestrian"], "camvid-sc-c8", 0, None, api_name="/compress")
"""
from __future__ import annotations

import html
import logging
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

import selgan
from selgan import Bitstream, Codec, SegMap, SelganError
from selgan.errors import BudgetError, ImageError
from selgan.eval.baselines import BASELINES, code_at_budget
from selgan.imageio import load_rgb
from selgan.metrics import psnr
from selgan.select import pixel_preserve_mask

log = logging.getLogger("selgan.app")

EXAMPLES = [Path(__file__).resolve().parent.parent / "selgan" / "assets" / "dashcam.png"]  # real photo, MIT
DEFAULT_MAX_PIXELS = 2_100_000  # about 1920×1080; decoding cost grows with the area
MIN_SIDE = 16  # smaller images have no room for one latent cell; they are refused with a message
UNSURE_BELOW = 0.5  # pixels whose label the segmenter gives less probability are flagged (hatched)
KEEP_COLOR, SYNTH_COLOR = (0, 255, 0), (255, 0, 255)  # brush colours that add/remove preserved regions
PRESETS = {
    "people and vehicles": ("pedestrian", "person", "rider", "bicyclist", "car", "truck", "bus", "train",
                            "motorcycle", "bicycle"),
    "everything but sky and road": "all-but:sky,road",
    "nothing — fully generative": (),
    "everything — global": "all",
}
COMPARE_WITH = ("jpeg", "avif")  # the quick one first: its row shows while AVIF is still searching
SCALES = (1, 2, 4)  # classical codecs are also tried on the image downscaled by these factors
CPU = "cpu"  # one concurrency group for every model call: torch already uses all cores
PENDING = "*Coding the same image with AVIF and JPEG at the same file size…*"
HEADER = (
    "## selgan — keep what matters, synthesise the rest\n"
    "**Preserved** regions are coded from the photo at the model's rate; **synthesised** regions are painted "
    "by the generator from the label map alone (plausible, not the original)."
)


@dataclass
class Result:
    """The last compression of a session's image, for the comparison that follows it."""

    data: bytes
    model_id: str
    recon: np.ndarray
    preserved: np.ndarray  # bool H×W: pixels coded from the image


@dataclass
class Afforded:
    """What a byte budget affords for the session's image: the file the budget chose, and its ticks."""

    budget: int
    seed: int
    bitstream: Bitstream
    ticks: list[str]
    description: str
    seconds: float  # time to find and code the file


@dataclass
class Session:
    """One browser session's image, its segmentations (one per segmenter) and its last result."""

    rgb: np.ndarray | None = None
    name: str = "image"
    segmaps: dict[str, SegMap] = field(default_factory=dict)
    result: Result | None = None
    baselines: dict = field(default_factory=dict)  # classical files found for this image, by (codec, budget)
    afforded: Afforded | None = None
    overridden: bool = False  # the user changed ticks, preset or model after the budget set them
    replaced: bool = False  # a new input came: jobs still running for this image show nothing more


@lru_cache(maxsize=4)
def shared_codec(name: str) -> Codec:
    """Models are read-only once loaded, so sessions share them."""
    return selgan.load(name)


# ---- messages a person can read ----------------------------------------------------------------
_PATH = re.compile(r"(?<![\w.:/~-])(?:/[^\s/:'\"()]+)+/([^\s/:'\"()]+)")


def plain(message: str) -> str:
    """A message without server paths: every absolute path becomes its file name."""
    return _PATH.sub(lambda m: m.group(1), message)


def user_errors(doing: str):
    """selgan's own errors become one plain UI message; anything else is logged and reported without internals."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except gr.Error:
                raise
            except SelganError as exc:
                raise gr.Error(plain(str(exc)), print_exception=False) from None
            except Exception:
                log.exception("unexpected error while %s", doing)
                raise gr.Error(f"Something went wrong while {doing}. The details are in the server's log; "
                               "please try again, or with another image.", print_exception=False) from None

        return wrapper

    return decorate


def guarded(items: Iterator, doing: str) -> Iterator:
    """Iterate, turning errors into one plain UI message as user_errors does."""
    done = object()
    step = user_errors(doing)(lambda: next(items, done))
    while (item := step()) is not done:
        yield item


def load_upload(path: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray, str]:
    """An uploaded image and the user's file name; messages name the file, never the server's copy of it."""
    filename = Path(path).name or "the file"
    try:
        rgb = load_rgb(path)
    except ImageError as exc:
        raise gr.Error(plain(str(exc).replace(str(path), filename)), print_exception=False) from None
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise gr.Error(f"{filename} is {width}×{height} pixels: selgan needs at least {MIN_SIDE}×{MIN_SIDE}.",
                       print_exception=False)
    if height * width > max_pixels:
        scale = (max_pixels / (height * width)) ** 0.5
        size = (max(MIN_SIDE, int(width * scale)), max(MIN_SIDE, int(height * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))
        gr.Warning(f"{filename} is {width}×{height}; it was downscaled to {size[0]}×{size[1]} "
                   f"(limit {max_pixels:,} pixels).")
    return rgb, filename


def session_dir(root: Path, request: gr.Request | None) -> Path:
    """Per-session folder for downloads, removed when the session ends (see build_app's unload)."""
    key = getattr(request, "session_hash", None) or "local"
    path = root / "".join(c for c in key if c.isalnum())
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_budget(text: str | float | None) -> int | None:
    """'1500', '1,500 B', '1.5 KB' (1000 bytes) or '2 KiB' (1024) -> bytes; empty -> None."""
    if text is None or isinstance(text, (int, float)):
        return None if text is None else _positive_budget(int(text), str(text))
    s = text.strip().replace("_", "").replace(" ", "")
    if not s:
        return None
    s = re.sub(r"^(\d{1,3}(?:,\d{3})+)(?=\D|$)", lambda m: m.group(1).replace(",", ""), s).replace(",", ".")
    match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)(b|bytes?|kb|k|kib|kbytes?)?", s, re.IGNORECASE)
    if not match:
        raise gr.Error(f"“{text}” is not a byte budget: write a number of bytes (1500) or kilobytes (1.5 KB).",
                       print_exception=False)
    unit = (match.group(2) or "b").lower()
    factor = 1024 if unit == "kib" else 1000 if unit.startswith("k") else 1
    return _positive_budget(int(float(match.group(1)) * factor), text)


def _positive_budget(value: int, text: str) -> int:
    if value < 1:
        raise gr.Error(f"“{text}” is not a byte budget: it must be at least 1 byte.", print_exception=False)
    return value


# ---- step 1: image in, segmentation out --------------------------------------------------------
def selectable(codec: Codec) -> list[tuple[int, str]]:
    """(id, name) of the classes a user can preserve or paint: the vocabulary without its ignore id."""
    ignore = codec.vocabulary.ignore_id
    return [(i, n) for i, n in enumerate(codec.class_names) if i != ignore]


def selectable_names(codec: Codec) -> list[str]:
    return [n for _, n in selectable(codec)]


def preset_classes(preset: str, class_names: list[str]) -> list[str]:
    """The vocabulary's class names a preset ticks."""
    rule = PRESETS[preset]
    if rule == "all":
        return list(class_names)
    if isinstance(rule, str):
        excluded = set(rule.split(":", 1)[1].split(","))
        return [n for n in class_names if n.lower() not in excluded]
    return [n for n in class_names if n.lower() in rule]


def default_ticks(codec: Codec) -> list[str]:
    """The model's own preserve set (its card's default), else people and vehicles."""
    if codec.default_preserve:
        ids = codec.class_ids(codec.default_preserve)
        return [n for i, n in selectable(codec) if i in ids]
    return preset_classes("people and vehicles", selectable_names(codec))


def share_text(share: float, digits: int = 0) -> str:
    """A class's share of the image; below half the last digit shown, '<1%' (or '<0.1%'), never a rounded 0%."""
    smallest = 10.0 ** -(digits + 2)
    return f"<{smallest:.{digits}%}" if share < smallest / 2 else f"{share:.{digits}%}"


def segmentation_view(rgb: np.ndarray, segmap: SegMap) -> Image.Image:
    """The class colours over the image; pixels the segmenter is unsure of are hatched with white stripes."""
    out = np.asarray(segmap.overlay(rgb), dtype=np.float64)
    rows, cols = np.indices(segmap.labels.shape)
    hatch = segmap.uncertain(UNSURE_BELOW) & (((rows + cols) // 3) % 3 == 0)
    out[hatch] = out[hatch] * 0.25 + 255 * 0.75
    return Image.fromarray(out.round().astype(np.uint8))


def legend_html(segmap: SegMap) -> str:
    """Each class present: its colour, name, share of the image and how much of it the segmenter is unsure of."""
    unsure = segmap.uncertain(UNSURE_BELOW)
    rows = []
    for share in segmap.classes_present():
        doubt = float(unsure[segmap.labels == share.class_id].mean())
        flag = f' <span class="unsure">· {doubt:.0%} unsure</span>' if doubt >= 0.05 else ""
        rows.append(f'<li><span style="display:inline-block;width:1em;height:1em;background:rgb{share.color};'
                    f'border:1px solid #888;vertical-align:middle"></span> {html.escape(share.name)} '
                    f"<b>{share_text(share.share, 1)}</b>{flag}</li>")
    note = ""
    if unsure.any():
        note = (f'<p class="selgan-unsure">Hatched: labels the segmenter is less than {UNSURE_BELOW:.0%} sure of '
                f"({share_text(float(unsure.mean()))} of the image). Check them before compressing: paint the "
                "right class colour over a wrong label, or green to preserve a region whatever its label.</p>")
    return note + f'<ul class="selgan-legend" style="list-style:none;padding-left:0;columns:2">{"".join(rows)}</ul>'


def class_choices(codec: Codec, segmap: SegMap | None) -> list[tuple[str, str]]:
    """(label, value) per selectable class; classes in the image carry their share."""
    present = {s.name: s.share for s in segmap.classes_present()} if segmap is not None else {}
    return [(f"{n} ({share_text(present[n])})" if n in present else n, n) for n in selectable_names(codec)]


def segmentation_of(session: Session, codec: Codec) -> SegMap:
    """The session's image segmented by the model's segmenter, computed once per segmenter."""
    key = codec.segmenter or ""
    if key not in session.segmaps:
        session.segmaps[key] = codec.segment(session.rgb)
    return session.segmaps[key]


@dataclass
class ImageView:
    """What a new image shows: its segmentation (with unsure regions hatched), legend, class ticks, editor."""

    session: Session
    overlay: Image.Image | None
    legend: str
    classes: dict
    editor: dict | None


@user_errors("reading and segmenting the image")
def on_image(path: str | None, model_name: str, session: Session | None = None,
             max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageView:
    """New image (or none): downscale if huge, segment; the overlay, legend, class choices and editor canvas."""
    codec = shared_codec(model_name)
    if not path:
        return ImageView(Session(), None, "", gr.update(choices=class_choices(codec, None), value=[]), None)
    rgb, filename = load_upload(path, max_pixels)
    session = Session(rgb=rgb, name=Path(filename).stem or "image")
    return image_view(session, codec, None)


def image_view(session: Session, codec: Codec, ticks: list[str] | None) -> ImageView:
    """The segmentation views of the session's image for this codec; ticks kept where given, else the defaults."""
    segmap = segmentation_of(session, codec)
    overlay = segmentation_view(session.rgb, segmap)
    names = selectable_names(codec)
    present = {s.name for s in segmap.classes_present()}
    value = [n for n in ticks if n in names] if ticks is not None else [n for n in default_ticks(codec) if n in present]
    background = np.asarray(overlay)
    editor = {"background": background, "layers": [], "composite": background}
    return ImageView(session, overlay, legend_html(segmap), gr.update(choices=class_choices(codec, segmap), value=value),
                     editor)


# ---- the byte budget ----------------------------------------------------------------------------
def ticks_of(bitstream: Bitstream, codec: Codec) -> list[str]:
    """The class ticks that describe a file: all for a whole-image file, else its preserved classes."""
    names = selectable(codec)
    if bitstream.mode.name.lower() == "global":
        return [n for _, n in names]
    return [n for i, n in names if i in set(bitstream.preserved_classes)]


def describe_pick(bitstream: Bitstream, ticks: list[str]) -> str:
    """What a budget's file keeps, in words."""
    if bitstream.mode.name.lower() == "global":
        return f"the whole image with {bitstream.model_id}"
    if not ticks:
        return "nothing preserved: the label map only, everything synthesised"
    return f"preserving {', '.join(ticks)} with {bitstream.model_id}"


@user_errors("fitting the byte budget")
def on_budget(session: Session | None, model_name: str, budget_text: str | None, seed: float | None,
              force: bool = True):
    """A budget (or none): the ticks and model that the budget affords, and a note saying so.

    force: apply it even when it is the budget already applied (Enter in the box: undo the user's overrides);
    otherwise (leaving the box) an unchanged budget changes nothing.
    Returns (ticks update, model update, note): gr.skip() where nothing changes.
    """
    budget = parse_budget(budget_text)
    seed = int(seed or 0)
    if session is None or session.rgb is None:
        note = "" if budget is None else f"Budget {budget:,} B: pick an image to see what it affords."
        return gr.skip(), gr.skip(), note
    afforded = session.afforded
    if afforded is not None and (afforded.budget, afforded.seed) == (budget, seed):
        if not (force and session.overridden):
            return gr.skip(), gr.skip(), gr.skip()
    elif budget is None:
        session.afforded, session.overridden = None, False
        return gr.skip(), gr.skip(), ""
    else:
        try:
            afforded = fit_budget(session, shared_codec(model_name), budget, seed)
        except BudgetError as exc:
            session.afforded, session.overridden = None, False
            gr.Warning(str(exc))
            return gr.skip(), gr.skip(), f"**{html.escape(str(exc))}**"
    session.afforded, session.overridden = afforded, False
    note = (f"**{budget:,} B** affords {afforded.description} (**{afforded.bitstream.num_bytes:,} B**). The ticks "
            "and model show this choice; change them to override the budget.")
    return gr.update(value=afforded.ticks), gr.update(value=afforded.bitstream.model_id), note


def fit_budget(session: Session, codec: Codec, budget: int, seed: int) -> Afforded:
    """The most preserving file within the budget among the codec's family (BudgetError names the minimum)."""
    start = time.perf_counter()
    bitstream = codec.compress(session.rgb, labels=segmentation_of(session, codec), seed=seed, max_bytes=budget)
    chosen = shared_codec(bitstream.model_id)
    ticks = ticks_of(bitstream, chosen)
    return Afforded(budget, seed, bitstream, ticks, describe_pick(bitstream, ticks), time.perf_counter() - start)


# ---- step 2: strokes -> preserve mask and label corrections -------------------------------------
@dataclass(frozen=True)
class Strokes:
    """What the user painted, at image resolution."""

    add: np.ndarray  # bool: preserve these pixels too
    remove: np.ndarray  # bool: synthesise these pixels even if their class is ticked
    relabel: dict[int, np.ndarray]  # class id -> bool pixels painted with that class's colour

    @property
    def paints_mask(self) -> bool:
        return bool(self.add.any() or self.remove.any())

    @property
    def any(self) -> bool:
        return self.paints_mask or bool(self.relabel)


def brush_colors(codec: Codec) -> list[tuple[int, int, int]]:
    """Brush palette: keep, synthesise, then one colour per selectable class."""
    palette = codec.vocabulary.palette()
    return [KEEP_COLOR, SYNTH_COLOR] + [tuple(int(v) for v in palette[i]) for i, _ in selectable(codec)]


def read_strokes(editor: dict | None, size: tuple[int, int], codec: Codec) -> Strokes:
    """Painted layers of the editor -> Strokes; each painted pixel takes the nearest brush colour."""
    width, height = size
    palette = np.asarray(brush_colors(codec), dtype=np.int32)
    nearest = np.full((height, width), -1, dtype=np.int64)
    for layer in (editor or {}).get("layers") or []:
        arr = np.asarray(layer)
        if arr.ndim != 3 or arr.shape[2] != 4:
            continue
        if arr.shape[:2] != (height, width):  # the canvas may hold the image at another size
            arr = np.asarray(Image.fromarray(arr).resize((width, height), Image.NEAREST))
        painted = arr[..., 3] >= 128
        if painted.any():
            rgb = arr[painted][:, :3].astype(np.int32)
            nearest[painted] = ((rgb[:, None, :] - palette[None]) ** 2).sum(-1).argmin(1)
    ids = [i for i, _ in selectable(codec)]
    relabel = {ids[i - 2]: nearest == i for i in range(2, len(palette)) if (nearest == i).any()}
    return Strokes(add=nearest == 0, remove=nearest == 1, relabel=relabel)


def selection(class_names: list[str] | None, strokes: Strokes, segmap: SegMap, codec: Codec) -> tuple[dict, str]:
    """compress() keyword arguments for the ticked classes and strokes, and a one-line description."""
    ticked = list(class_names or [])
    if strokes.paints_mask:
        ids = [codec.class_names.index(n) for n in ticked]
        mask = pixel_preserve_mask(segmap.labels, ids, strokes.add, strokes.remove)
        return {"mask": mask}, f"painted mask ({mask.mean():.0%} of pixels preserved)"
    if len(ticked) == len(selectable(codec)):
        return {}, "global: the whole image preserved"
    if ticked:
        return {"preserve": ticked}, "preserving " + ", ".join(ticked)
    gr.Warning("Nothing is selected to preserve: the whole image is synthesised from its label map.")
    return {"mask": np.zeros(segmap.labels.shape, bool)}, "nothing preserved: fully generative"


# ---- step 3: compress and decode; then compare ------------------------------------------------------
def best_baseline(name: str, rgb: np.ndarray, max_bytes: int):
    """The best-PSNR file of a classical codec within max_bytes, at full, 1/2 or 1/4 size (None if none fits).

    Smallest size first: when even the lowest quality at 1/4 size is over the budget, the larger sizes
    (whose files only grow) are not tried.
    """
    fits = []
    for scale in sorted(SCALES, reverse=True):
        result = code_at_budget(BASELINES[name], rgb, max_bytes, scale)
        if result.reconstruction is None:
            break
        fits.append(result)
    return max(fits, key=lambda r: psnr(rgb, r.reconstruction), default=None)


def mask_overlay(rgb: np.ndarray, preserved: np.ndarray) -> Image.Image:
    """Synthesised pixels tinted magenta, preserved pixels as they are."""
    out = rgb.astype(np.float64)
    out[~preserved] = out[~preserved] * 0.45 + np.asarray(SYNTH_COLOR) * 0.55
    return Image.fromarray(out.round().astype(np.uint8))


def region_psnr(rgb: np.ndarray, image: np.ndarray, region: np.ndarray) -> str:
    """PSNR over the region as text; '—' for an empty region."""
    return f"{psnr(rgb, image, region):.2f} dB" if region.any() else "—"


def stats_markdown(name: str, bitstream: Bitstream, how: str, encode_s: float, decode_s: float,
                   rgb: np.ndarray, recon: np.ndarray, preserved: np.ndarray, budget: int | None = None) -> str:
    """File size, bpp, budget, bytes per stream, what was preserved/synthesised, timings and quality (Markdown)."""
    sizes = bitstream.stream_sizes()
    rows = [("image", f"{html.escape(name)} ({bitstream.width}×{bitstream.height}), model {bitstream.model_id}"),
            ("file", f"**{bitstream.num_bytes:,} B**, **{bitstream.bpp:.4f} bpp**")]
    if budget is not None:
        over = bitstream.num_bytes - budget
        rows.append(("budget", f"{budget:,} B: " + ("fits" if over <= 0 else
                                                     f"**over by {over:,} B** (your choices override the budget)")))
    streams = dict.fromkeys(("header", "labels", "mask", "latent", *sizes))  # the usual ones, then any other
    rows += [(stream, f"{sizes[stream]:,} B" if stream in sizes else "— (not stored)") for stream in streams]
    rows += [("selection", html.escape(how)),
             ("preserved", f"{preserved.mean():.0%} of pixels, coded at the model's rate"),
             ("synthesised", f"{1 - preserved.mean():.0%} of pixels, painted from the label map"),
             ("encode", f"{encode_s:.2f} s"), ("decode", f"{decode_s:.2f} s"),
             ("PSNR (preserved region)", region_psnr(rgb, recon, preserved)),
             ("PSNR (whole image)", f"{psnr(rgb, recon):.2f} dB" + (
                 " (synthesised regions are not meant to match pixel by pixel)" if not preserved.all() else ""))]
    head, *rest = rows
    return f"| {head[0]} | {head[1]} |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rest)


def comparison(rgb: np.ndarray, result: Result, cache: dict | None = None) -> Iterator[tuple[str, list]]:
    """selgan's file and each classical codec's at (at most) the same size: PSNR on the preserved region and overall.

    Yields the table (and gallery) as it fills: selgan's row at once, then one row per classical codec.
    `cache` keeps the classical files found per (codec, budget) for the session's image.
    """
    cache = {} if cache is None else cache
    max_bytes = len(result.data)
    region = result.preserved
    rows = [(f"**selgan** ({result.model_id})", f"{max_bytes:,} B", region_psnr(rgb, result.recon, region),
             f"{psnr(rgb, result.recon):.2f} dB")]
    gallery = []

    def table(pending: tuple[str, ...] = ()) -> str:
        lines = rows + [(name.upper(), "*coding…*", "", "") for name in pending]
        return ("| codec | file | PSNR, preserved region | PSNR, whole image |\n|---|---|---|---|\n"
                + "\n".join("| " + " | ".join(row) + " |" for row in lines))

    yield table(COMPARE_WITH), list(gallery)
    for k, name in enumerate(COMPARE_WITH):
        if (name, max_bytes) not in cache:
            cache[name, max_bytes] = best_baseline(name, rgb, max_bytes)
        found = cache[name, max_bytes]
        if found is None:
            rows.append((name.upper(), f"no file fits in {max_bytes:,} B, even at 1/{max(SCALES)} size", "—", "—"))
        else:
            label = f"{name.upper()}{'' if found.scale == 1 else f' at 1/{found.scale} size'}"
            whole = psnr(rgb, found.reconstruction)
            rows.append((label, f"{found.num_bytes:,} B", region_psnr(rgb, found.reconstruction, region),
                         f"{whole:.2f} dB"))
            gallery.append((found.reconstruction, f"{label}, {found.num_bytes:,} B, {whole:.2f} dB"))
        yield table(COMPARE_WITH[k + 1:]), list(gallery)


def compare_markdown_and_gallery(rgb: np.ndarray, result: Result, cache: dict | None = None) -> tuple[str, list]:
    """The finished comparison table and gallery (see comparison)."""
    *_, last = comparison(rgb, result, cache)
    return last


@dataclass
class CompressView:
    """selgan's result, shown before the comparison with the classical codecs."""

    slider: tuple[np.ndarray, np.ndarray]
    mask: Image.Image
    stats: str
    download: str  # path of the .sgc file
    status: str


@user_errors("compressing")
def on_compress(session: Session | None, model_name: str, classes: list[str] | None, editor: dict | None,
                seed: float | None, workdir_root: Path, request: gr.Request | None = None,
                progress=gr.Progress(), budget_text: str | None = None) -> CompressView:
    """Compress the session's image with the chosen regions (or what the budget affords) and decode it back."""
    if session is None or session.rgb is None:
        raise gr.Error("Upload or pick an image first.", print_exception=False)
    session.result = None
    rgb = session.rgb
    budget = parse_budget(budget_text)
    seed = int(seed or 0)
    codec = shared_codec(model_name)
    progress(0.1, desc="segmenting")
    segmap = segmentation_of(session, codec)
    strokes = read_strokes(editor, (rgb.shape[1], rgb.shape[0]), codec)
    if budget is not None and not session.overridden and not strokes.any:  # the budget chooses (see on_budget)
        progress(0.3, desc=f"choosing the file that fits in {budget:,} B")
        afforded = session.afforded
        if afforded is None or (afforded.budget, afforded.seed) != (budget, seed):
            afforded = session.afforded = fit_budget(session, codec, budget, seed)
        bitstream, how, encode_s = afforded.bitstream, f"fit to {budget:,} B: {afforded.description}", afforded.seconds
    else:
        for class_id, pixels in strokes.relabel.items():
            segmap = segmap.with_overrides(pixels, class_id)
        kwargs, how = selection(classes, strokes, segmap, codec)
        progress(0.3, desc="encoding")
        start = time.perf_counter()
        bitstream = codec.compress(rgb, labels=segmap, seed=seed, **kwargs)
        encode_s = time.perf_counter() - start
    data = bitstream.to_bytes()
    progress(0.5, desc="decoding")
    start = time.perf_counter()
    decoder = shared_codec(bitstream.model_id)
    recon = np.asarray(decoder.decompress(data))
    decode_s = time.perf_counter() - start
    preserved = decoder.preserved_mask(data)
    if budget is not None and len(data) > budget:
        gr.Warning(f"The file is {len(data):,} B, over the {budget:,} B budget: your ticks, model or painting "
                   "override it (clear the painting or set the budget again to let it choose).")
    path = session_dir(workdir_root, request) / f"{session.name}.{bitstream.model_id}.sgc"
    path.write_bytes(data)
    session.result = Result(data, bitstream.model_id, recon, preserved)
    stats = stats_markdown(session.name, bitstream, how, encode_s, decode_s, rgb, recon, preserved, budget)
    status = f"**{len(data):,} B**, {bitstream.bpp:.4f} bpp, {bitstream.model_id}: result below."
    return CompressView((rgb, recon), mask_overlay(rgb, preserved), stats, str(path), status)


@user_errors("comparing with the classical codecs")
def on_compare(session: Session | None) -> Iterator[tuple[str, list]] | None:
    """JPEG and AVIF at the size of the session's last result, row by row; None when there is none (a new image came)."""
    if session is None or session.result is None or session.rgb is None or session.replaced:
        return None
    return comparison(session.rgb, session.result, session.baselines)


# ---- the API endpoint ----------------------------------------------------------------------------
def api_compress(image: str, preserve: list[str] | None, model: str | None, seed: float | None,
                 max_bytes: float | None, workdir_root: Path,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[str, np.ndarray, dict]:
    """Compress one image with selgan; returns the .sgc file, its decoded image and a summary.

    Args:
        image: the image file (PNG, JPEG, WebP, …; at least 16×16 pixels; large ones are downscaled).
        preserve: class names to preserve, coded at the model's rate; the rest is synthesised from the label map. Also "default" (the model's own set; the same as an empty list), "all" (the whole image) or "nothing" (fully generative). With max_bytes: the order in which the budget preserves classes (empty: the model's own order).
        model: the codec's name (empty: the default model).
        seed: the seed of the synthesised texture, 0 … 2**32-1.
        max_bytes: a byte budget (empty: none): the file that preserves the most among those that fit; it may use another model of the same family, which the summary names.

    Returns:
        the .sgc file; the decoded image as a PNG, exactly what selgan.decompress gives for the file; a summary: model, bytes, bpp, width, height, seed, mode, preserved_classes, preserved_share, psnr_preserved, psnr_whole.
    """
    if not image:
        raise gr.Error("Give an image file.", print_exception=False)
    rgb, filename = load_upload(image, max_pixels)
    codec = shared_codec(model or selgan.default_model())
    seed = int(seed or 0)
    wanted = [p for p in (preserve or []) if str(p).strip()]
    keywords = {w.lower() for w in wanted}
    if max_bytes is not None:
        if max_bytes != int(max_bytes) or max_bytes < 1:
            raise gr.Error(f"max_bytes must be a positive whole number of bytes, got {max_bytes}.", print_exception=False)
        priority = None if not wanted or keywords & {"default", "all", "nothing"} else wanted
        bitstream = codec.compress(rgb, seed=seed, max_bytes=int(max_bytes), priority=priority)
    elif keywords == {"all"}:
        bitstream = codec.compress(rgb, seed=seed)
    elif keywords == {"nothing"}:
        bitstream = codec.compress(rgb, seed=seed, mask=np.zeros(rgb.shape[:2], bool))
    elif not wanted or keywords == {"default"}:
        bitstream = codec.compress(rgb, seed=seed, preserve="default" if codec.default_preserve else None)
    else:
        bitstream = codec.compress(rgb, seed=seed, preserve=wanted)
    data = bitstream.to_bytes()
    decoder = shared_codec(bitstream.model_id)
    recon = np.asarray(decoder.decompress(data))
    preserved = decoder.preserved_mask(data)
    folder = workdir_root / "api"
    prune(folder, max_age_s=900)
    out = folder / uuid.uuid4().hex / f"{Path(filename).stem or 'image'}.{bitstream.model_id}.sgc"
    out.parent.mkdir(parents=True)
    out.write_bytes(data)
    names = decoder.class_names
    summary = {
        "model": bitstream.model_id, "bytes": len(data), "bpp": round(bitstream.bpp, 6),
        "width": bitstream.width, "height": bitstream.height, "seed": bitstream.seed,
        "mode": bitstream.mode.name.lower(),
        "preserved_classes": [names[i] for i in bitstream.preserved_classes if i < len(names)],
        "preserved_share": round(float(preserved.mean()), 6),
        "psnr_preserved": round(psnr(rgb, recon, preserved), 3) if preserved.any() else None,
        "psnr_whole": round(psnr(rgb, recon), 3),
    }
    return str(out), recon, summary


def prune(folder: Path, max_age_s: float) -> None:
    """Remove the API's result folders older than max_age_s (Gradio has copied their files by then)."""
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age_s
    for child in folder.iterdir():
        if child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)


# ---- second tab: decode a file --------------------------------------------------------------------
@user_errors("reading the file's header")
def on_header(path: str | None) -> str:
    """Header of an uploaded .sgc file as Markdown (shown before the slower decode); empty without a file."""
    if not path:
        return ""
    bitstream = Bitstream.from_bytes(Path(path).read_bytes())
    try:
        names = shared_codec(bitstream.model_id).class_names
        classes = ", ".join(names[i] if i < len(names) else str(i) for i in bitstream.preserved_classes) or "—"
    except SelganError:
        classes = ", ".join(map(str, bitstream.preserved_classes)) or "—"
    sizes = ", ".join(f"{k} {v:,} B" for k, v in bitstream.stream_sizes().items())
    return (f"**model** {bitstream.model_id} (weights {bitstream.weights_hash.hex()}) · "
            f"**size** {bitstream.width}×{bitstream.height} · **mode** {bitstream.mode.name.lower()} · "
            f"**preserved classes** {classes} · **seed** {bitstream.seed}\n\n"
            f"**file** {bitstream.num_bytes:,} B = {bitstream.bpp:.4f} bpp · **streams** {sizes}")


@user_errors("decoding the file")
def on_decode(path: str | None) -> np.ndarray | None:
    """Decode an uploaded .sgc file with the model named in its header; None without a file."""
    if not path:
        return None
    return np.asarray(selgan.decompress(Path(path).read_bytes()))


# ---- layout --------------------------------------------------------------------------------------
def build_app(max_pixels: int = DEFAULT_MAX_PIXELS, workdir: Path | None = None, concurrency: int = 1) -> gr.Blocks:
    """The app; per-session files live under `workdir` (a fresh temporary folder by default).

    concurrency: how many model jobs run at once (each uses all cores through torch); others wait in a
    queue that shows them their place.
    """
    models = selgan.list_models()
    if not models:
        raise SelganError("no codec models are installed (see `selgan models`)")
    if concurrency < 1:
        raise SelganError(f"concurrency must be at least 1, got {concurrency}")
    default_model = selgan.default_model()
    default_codec = shared_codec(default_model)
    root = Path(workdir or tempfile.mkdtemp(prefix="selgan-app-"))
    cpu = {"concurrency_id": CPU, "concurrency_limit": concurrency}
    private = {"api_visibility": "private"}  # UI steps that need the page's session; programs use /compress

    def cleanup(request: gr.Request) -> None:
        shutil.rmtree(session_dir(root, request), ignore_errors=True)

    # Gradio keeps its own copies of served files; they go after 15 minutes (and when the app closes).
    with gr.Blocks(title="selgan", delete_cache=(300, 900)) as app:
        session = gr.State(None, time_to_live=3600)
        gr.Markdown(HEADER)
        with gr.Tab("Compress"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=2, min_width=320):
                    # A file input rather than gr.Image: every upload then reaches selgan's own reader,
                    # so a non-image gets selgan's message instead of a failure inside Gradio.
                    with gr.Row():
                        image = gr.File(label=f"Image (PNG, JPEG, WebP, …; at least {MIN_SIDE}×{MIN_SIDE})",
                                        file_types=["image"], height=110, elem_id="input-image", scale=3)
                        with gr.Column(scale=2, min_width=120):
                            gr.Examples([[str(p)] for p in EXAMPLES if p.exists()], inputs=[image],
                                        label="Example: a real photo", api_name="load_example", **private)
                    with gr.Row():
                        budget = gr.Textbox(label="Byte budget (optional)", placeholder="e.g. 1500 or 1.5 KB",
                                            elem_id="budget", min_width=120)
                        model = gr.Dropdown(models, value=default_model, label="Model", elem_id="model",
                                            min_width=120)
                    classes = gr.CheckboxGroup(class_choices(default_codec, None), value=[],
                                               label="Preserve (coded at the model's rate); the rest is synthesised",
                                               elem_id="classes")
                    with gr.Row(equal_height=True):
                        run = gr.Button("Compress", variant="primary", elem_id="compress", scale=3)
                        status = gr.Markdown(elem_id="status", min_height=40, min_width=160)  # queue place, progress
                    budget_note = gr.Markdown(elem_id="budget-note")
                    with gr.Row():
                        preset = gr.Dropdown(list(PRESETS), value=None, label="Preset", elem_id="preset", min_width=120)
                        seed = gr.Number(0, label="Texture seed", precision=0, minimum=0, maximum=2**32 - 1,
                                         elem_id="seed", min_width=100)
                with gr.Column(scale=3):
                    editor = gr.ImageEditor(
                        label="Segmentation", type="numpy", sources=[], transforms=(), layers=False,
                        format="png", brush=gr.Brush(colors=["#00ff00", "#ff00ff"], color_mode="defaults"),
                        elem_id="editor")
                    gr.Markdown("Paint on the segmentation: **green** preserves, **magenta** synthesises, a "
                                "**class colour** relabels (the generator paints that class there).",
                                elem_id="paint-help")
                    legend = gr.HTML(elem_id="legend")
            with gr.Row():
                slider = gr.ImageSlider(label="Original | reconstruction (drag)", format="png", elem_id="result")
                mask = gr.Image(label="Preserved (coded at the model's rate) · magenta: synthesised from the labels",
                                interactive=False, format="png", elem_id="mask")
            with gr.Row():
                stats = gr.Markdown(elem_id="stats")
                with gr.Column():
                    compare = gr.Markdown(elem_id="compare")
                    gallery = gr.Gallery(label="Classical codecs at the same file size", columns=2, format="png",
                                         elem_id="gallery")
            download = gr.DownloadButton("Download .sgc", interactive=False, elem_id="download")
        with gr.Tab("Decode a file"):
            upload = gr.File(label=".sgc file", file_types=[".sgc"], elem_id="sgc-upload")
            header = gr.Markdown(elem_id="header")
            decoded = gr.Image(label="Decoded", interactive=False, format="png", elem_id="decoded")
        with gr.Column(visible=False):  # the /compress endpoint's inputs and outputs (programs only)
            api_image = gr.File(label="image", file_types=["image"])
            api_preserve = gr.Dropdown(["default", "all", "nothing"] + selectable_names(default_codec), value=[],
                                       multiselect=True, allow_custom_value=True, label="preserve")
            api_model = gr.Dropdown(models, value=default_model, label="model")
            api_seed = gr.Number(0, precision=0, minimum=0, maximum=2**32 - 1, label="seed")
            api_budget = gr.Number(None, precision=0, minimum=1, label="max_bytes")
            api_file = gr.File(label="sgc")
            api_recon = gr.Image(format="png", label="reconstruction")
            api_info = gr.JSON(label="summary")
            api_button = gr.Button("compress")

        results = [slider, mask, stats, compare, gallery, download, status]
        cleared = [None, None, "", "", [], gr.update(value=None, interactive=False), ""]

        def reset_view(state):  # at once, before the image is read: nothing of the previous one stays on screen
            if state is not None:
                state.replaced = True
            return [Session(), None, "", gr.update(value=[]), ""] + cleared

        def load_image(path, model_name):
            view = on_image(path, model_name, None, max_pixels)
            return [view.session, view.editor, view.legend, view.classes, ""] + cleared

        def budget_left(state, model_name, text, seed_value):  # leaving the box applies a changed budget only
            return on_budget(state, model_name, text, seed_value, force=False)

        def reset_decode():
            return "", None

        def change_model(state, model_name, ticks):
            codec = shared_codec(model_name)
            if state is None or state.rgb is None:
                return [gr.skip()] * 4
            if state.afforded is not None:
                state.overridden = True
            if (codec.segmenter or "") in state.segmaps:  # the same segmentation: keep the painting
                kept = [n for n in ticks or [] if n in selectable_names(codec)]
                choices = class_choices(codec, segmentation_of(state, codec))
                return gr.skip(), gr.skip(), gr.update(choices=choices, value=kept), gr.skip()
            view = user_errors("segmenting the image")(image_view)(state, codec, ticks or [])
            return view.editor, view.legend, view.classes, view.session

        def override_ticks(state):
            if state is not None and state.afforded is not None:
                state.overridden = True

        def apply_preset(state, name, model_name):
            override_ticks(state)
            return preset_classes(name, selectable_names(shared_codec(model_name))) if name else gr.skip()

        def recolour_brush(model_name):
            colors = ["#{:02x}{:02x}{:02x}".format(*c) for c in brush_colors(shared_codec(model_name))]
            return gr.update(brush=gr.Brush(colors=colors, default_color=colors[0], color_mode="defaults"))

        def lock():
            return gr.update(interactive=False)

        def unlock():
            return gr.update(interactive=True)

        def compress_step(state, model_name, ticked, painted, seed_value, budget_text, request: gr.Request,
                          progress=gr.Progress()):
            view = on_compress(state, model_name, ticked, painted, seed_value, root, request, progress, budget_text)
            if state.replaced:  # a new image came while this one was coded
                return [gr.skip()] * len(results)
            return (view.slider, view.mask, view.stats, PENDING, [],
                    gr.update(value=view.download, interactive=True), view.status)

        def compare_step(state):  # a generator: the table fills in row by row, while the image is still the same
            rows = on_compare(state)
            if rows is None:
                yield gr.skip(), gr.skip()
                return
            for row in guarded(rows, "comparing with the classical codecs"):
                if state.replaced:
                    yield gr.skip(), gr.skip()
                    return
                yield row

        def compress_endpoint(image, preserve, model, seed, max_bytes):
            return user_errors("compressing")(api_compress)(image, preserve, model, seed, max_bytes, root, max_pixels)

        compress_endpoint.__doc__ = api_compress.__doc__
        budget_inputs = [session, model, budget, seed]
        budget_outputs = [classes, model, budget_note]
        image_outputs = [session, editor, legend, classes, budget_note] + results
        image.change(reset_view, [session], image_outputs, api_name="clear_result", queue=False, **private
                     ).then(load_image, [image, model], image_outputs, api_name="load_image", show_progress_on=[editor],
                            **cpu, **private
                            ).then(on_budget, budget_inputs, budget_outputs, api_name="budget_for_image",
                                   show_progress_on=[budget_note], **cpu, **private)
        # Progress shows on the note only: an overlay on the ticks would swallow the click that left the box.
        budget.submit(on_budget, budget_inputs, budget_outputs, api_name="apply_budget",
                      show_progress_on=[budget_note], **cpu, **private)
        budget.blur(budget_left, budget_inputs, budget_outputs, api_name="budget_on_leave",
                    show_progress_on=[budget_note], **cpu, **private)
        model.input(change_model, [session, model, classes], [editor, legend, classes, session],
                    api_name="change_model", **cpu, **private)
        model.change(recolour_brush, [model], [editor], api_name="recolour_brush", queue=False, **private)
        app.load(recolour_brush, [model], [editor], api_name="initial_brush", queue=False, **private)
        preset.input(apply_preset, [session, preset, model], [classes], api_name="apply_preset", queue=False,
                     **private)
        classes.input(override_ticks, [session], None, api_name="override_ticks", queue=False, **private)
        job = run.click(lock, None, [run], api_name="lock_compress", queue=False, **private)
        job = job.then(compress_step, [session, model, classes, editor, seed, budget], results,
                       api_name="compress_in_page", show_progress_on=[status], **cpu, **private)
        job = job.then(compare_step, [session], [compare, gallery], api_name="compare_classical",
                       show_progress_on=[compare], **cpu, **private)
        job.then(unlock, None, [run], api_name="unlock_compress", queue=False, **private)
        api_button.click(compress_endpoint, [api_image, api_preserve, api_model, api_seed, api_budget],
                         [api_file, api_recon, api_info], api_name="compress", **cpu)
        upload.change(reset_decode, None, [header, decoded], api_name="clear_decoded", queue=False, **private).then(
            on_header, [upload], [header], api_name="read_header").then(
            on_decode, [upload], [decoded], api_name="decode", **cpu)
        app.unload(cleanup)
    app.queue(default_concurrency_limit=concurrency, max_size=32)
    return app


def main(host: str = "127.0.0.1", port: int = 7860, share: bool = False,
         max_pixels: int = DEFAULT_MAX_PIXELS, concurrency: int = 1) -> None:
    """Serve the app until interrupted."""
    build_app(max_pixels, concurrency=concurrency).launch(server_name=host, server_port=port, share=share,
                                                          show_error=True)


if __name__ == "__main__":
    main()
