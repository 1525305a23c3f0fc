"""The page's callbacks: a new image, the byte budget, the painted strokes, compress, compare, the /compress
endpoint and the decode tab. Each takes plain values and returns what the layout shows."""

from __future__ import annotations

import html
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

import selgan
from selgan import Bitstream, SelganError
from selgan.api import Codec, shared
from selgan.app.compare import comparison
from selgan.app.messages import DEFAULT_MAX_PIXELS, load_upload, parse_budget, user_errors
from selgan.app.session import Afforded, Result, Session, prune, segmentation_of, session_dir
from selgan.app.views import (
    brush_colors,
    class_choices,
    default_ticks,
    describe_model,
    describe_pick,
    global_models,
    legend_html,
    mask_overlay,
    model_help,
    scene_markdown,
    segmentation_view,
    selectable,
    selectable_names,
    stats_markdown,
    ticks_of,
)
from selgan.errors import BudgetError
from selgan.guard import describe, doubts
from selgan.pipeline import Pipeline, decode
from selgan.pipeline import region_psnr as psnr_by_region
from selgan.scene import check_scene
from selgan.segment import SegMap
from selgan.select import pixel_preserve_mask


@dataclass
class ImageView:
    """What a new image shows: its segmentation (with unsure regions hatched), legend, class ticks, editor."""

    session: Session
    overlay: Image.Image | None
    legend: str
    classes: dict
    editor: dict | None
    scene: str = ""  # the scene check's advice (Markdown), empty when the photo looks like the models' world


@user_errors("reading and segmenting the image")
def on_image(
    path: str | None, model_name: str, session: Session | None = None, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ImageView:
    """New image (or none): downscale if huge, segment; the overlay, legend, class choices and editor canvas."""
    codec = shared(model_name)
    if not path:
        return ImageView(Session(), None, "", gr.update(choices=class_choices(codec, None), value=[]), None)
    rgb, filename = load_upload(path, max_pixels)
    session = Session(rgb=rgb, name=Path(filename).stem or "image")
    return image_view(session, codec, None)


def image_view(session: Session, codec: Codec, ticks: list[str] | None) -> ImageView:
    """The segmentation views of the session's image for this codec; ticks kept where given, else the defaults."""
    segmap = segmentation_of(session, codec)
    session.scene = scene_note(session, codec, segmap)
    overlay = segmentation_view(session.rgb, segmap)
    names = selectable_names(codec)
    present = {s.name for s in segmap.classes_present()}
    value = [n for n in ticks if n in names] if ticks is not None else [n for n in default_ticks(codec) if n in present]
    background = np.asarray(overlay)
    editor = {"background": background, "layers": [], "composite": background}
    return ImageView(
        session,
        overlay,
        legend_html(segmap),
        gr.update(choices=class_choices(codec, segmap), value=value),
        editor,
        session.scene,
    )


def scene_note(session: Session, codec: Codec, segmap: SegMap) -> str:
    """The scene check's note for the session's photo as this codec would code it (empty when it passes)."""
    return scene_markdown(check_scene(session.rgb, segmap), codec, global_models(selgan.list_models(), shared))


@user_errors("fitting the byte budget")
def on_budget(
    session: Session | None, model_name: str, budget_text: str | None, seed: float | None, force: bool = True
):
    """A budget (or none): the ticks and model that the budget affords, and a note saying so.

    force: apply it even when it is the budget already applied (Enter in the box: undo the user's overrides);
    otherwise (leaving the box) an unchanged budget changes nothing.
    Returns (ticks update, model update, note): gr.skip() where nothing changes.
    """
    try:
        budget = parse_budget(budget_text)
    except gr.Error as exc:  # beside the box, where the user typed; an error badge would hide the ticks
        return gr.skip(), gr.skip(), f"**{html.escape(exc.message)}**"
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
            afforded = fit_budget(session, shared(model_name), budget, seed)
        except BudgetError as exc:  # said once, beside the box (a toast too would repeat it)
            session.afforded, session.overridden = None, False
            return gr.skip(), gr.skip(), f"**{html.escape(str(exc))}**"
    session.afforded, session.overridden = afforded, False
    note = (
        f"**{budget_words(budget_text, budget)}** affords {afforded.description} "
        f"(**{afforded.bitstream.num_bytes:,} B**). The ticks and model show this choice; change them to override "
        "the budget."
    )
    return gr.update(value=afforded.ticks), gr.update(value=afforded.bitstream.model_id), note


def budget_words(text: str | float | None, budget: int) -> str:
    """The budget as the user wrote it and in bytes when they differ ('1.5 KB = 1,500 B'), so the unit is plain."""
    written = str(text or "").strip()
    plain_bytes = f"{budget:,} B"
    return (
        plain_bytes if written.replace(",", "").rstrip("bB ").strip() == str(budget) else f"{written} = {plain_bytes}"
    )


def fit_budget(session: Session, codec: Codec, budget: int, seed: int, effort: str = "fast", progress=None) -> Afforded:
    """The most preserving file within the budget among the codec's family (BudgetError names the minimum)."""
    start = time.perf_counter()
    labels = segmentation_of(session, codec)
    bitstream = codec.compress(
        session.rgb, labels=labels, seed=seed, max_bytes=budget, guard="off", effort=effort, progress=progress
    )  # on_compress checks
    chosen = shared(bitstream.model_id)
    present = {s.name for s in segmentation_of(session, chosen).classes_present()}
    # Classes the photo does not hold cost nothing and change nothing: ticking them would only puzzle.
    ticks = [n for n in ticks_of(bitstream, chosen) if n in present or bitstream.mode.name.lower() == "global"]
    seconds = time.perf_counter() - start
    return Afforded(budget, seed, bitstream, ticks, describe_pick(bitstream, ticks), seconds, effort)


@user_errors("measuring what each model costs")
def on_model_sizes(session: Session | None, seed: float | None) -> str:
    """What each installed model is for and what this photo costs in it (each model's own preserve set, effort
    fast); without a photo, what each is for."""
    rows = []
    for name in selgan.list_models():
        codec = shared(name)
        size = None
        if session is not None and session.rgb is not None:
            preserve = "default" if codec.default_preserve else None
            labels = segmentation_of(session, codec)
            coded = codec.compress(session.rgb, labels=labels, seed=int(seed or 0), preserve=preserve, guard="off")
            size = coded.num_bytes
        rows.append((name, describe_model(codec), size))
    return model_help(rows)


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
    return {"preserve": "nothing"}, "nothing preserved: fully generative"


@dataclass
class CompressView:
    """selgan's result, shown before the comparison with the classical codecs."""

    slider: tuple[np.ndarray, np.ndarray]
    mask: Image.Image
    stats: str
    download: str  # path of the .sgc file
    status: str


def encode(
    session: Session,
    codec: Codec,
    segmap: SegMap,
    strokes: Strokes,
    classes: list[str] | None,
    budget: int | None,
    seed: int,
    progress,
    effort: str = "fast",
) -> tuple[Bitstream, str, float, SegMap]:
    """The file the page asks for (what the budget affords, or the ticks and painting), how it was chosen, its
    encode seconds, and the labels it was coded with (the painting's relabels applied)."""
    if budget is not None and not session.overridden and not strokes.any:  # the budget chooses (see on_budget)
        progress(0.2, desc=f"choosing the file that fits in {budget:,} B")
        afforded = session.afforded
        if afforded is None or (afforded.budget, afforded.seed, afforded.effort) != (budget, seed, effort):
            afforded = fit_budget(session, codec, budget, seed, effort, refine_progress(progress, effort))
            session.afforded = afforded
        return afforded.bitstream, f"fit to {budget:,} B: {afforded.description}", afforded.seconds, segmap
    for class_id, pixels in strokes.relabel.items():
        segmap = segmap.with_overrides(pixels, class_id)
    kwargs, how = selection(classes, strokes, segmap, codec)
    progress(0.2, desc="encoding")
    # The page runs the synthesis guard itself, on the decode it shows (no second decode, no warnings to catch).
    bitstream, encode_s = Pipeline(codec).compress(
        session.rgb,
        labels=segmap,
        seed=seed,
        guard="off",
        effort=effort,
        progress=refine_progress(progress, effort),
        **kwargs,
    )
    return bitstream, how, encode_s, segmap


def refine_progress(progress, effort: str):
    """The encoder's refinement steps on the page's progress bar, with the time left (None at effort fast)."""
    if effort == "fast":
        return None

    def report(step: int, steps: int, seconds: float) -> None:
        left = seconds / max(step, 1) * (steps - step)
        progress(0.2 + 0.3 * step / steps, desc=f"effort {effort}: step {step}/{steps}, about {left:.0f} s left")

    return report


@user_errors("compressing")
def on_compress(
    session: Session | None,
    model_name: str,
    classes: list[str] | None,
    editor: dict | None,
    seed: float | None,
    workdir_root: Path,
    request: gr.Request | None = None,
    progress=gr.Progress(),  # noqa: B008 (Gradio injects progress through this default)
    budget_text: str | None = None,
    effort: str | None = "fast",
) -> CompressView:
    """Compress the session's image with the chosen regions (or what the budget affords) and decode it back."""
    if session is None or session.rgb is None:
        raise gr.Error("Upload or pick an image first.", print_exception=False)
    session.result = None
    rgb = session.rgb
    budget = parse_budget(budget_text)
    seed = int(seed or 0)
    codec = shared(model_name)
    progress(0.1, desc="segmenting")
    segmap = segmentation_of(session, codec)
    strokes = read_strokes(editor, (rgb.shape[1], rgb.shape[0]), codec)
    effort = effort or "fast"
    bitstream, how, encode_s, segmap = encode(session, codec, segmap, strokes, classes, budget, seed, progress, effort)
    data = bitstream.to_bytes()
    progress(0.5, desc="decoding")
    decoded = decode(data)
    recon, preserved = decoded.reconstruction, decoded.preserved
    doubted = doubts(rgb, recon, segmap.labels, ~preserved, codec.class_names, segmap.confidence)
    for check, reasons in doubted:
        sentence = describe(check, reasons)
        gr.Warning(f"{sentence[0].upper()}{sentence[1:]}; paint it green to preserve it.")
    if budget is not None and len(data) > budget:
        gr.Warning(
            f"The file is {len(data):,} B, over the {budget:,} B budget: your ticks, model or painting "
            "override it (clear the painting or set the budget again to let it choose)."
        )
    path = session_dir(workdir_root, request) / f"{session.name}.{bitstream.model_id}.sgc"
    path.write_bytes(data)
    session.result = Result(data, bitstream.model_id, recon, preserved)
    stats = stats_markdown(session.name, bitstream, how, encode_s, decoded.seconds, rgb, recon, preserved, budget)
    status = f"**{len(data):,} B**, {bitstream.bpp:.4f} bpp, {bitstream.model_id}, effort {effort}: result below."
    if doubted:
        names = ", ".join(html.escape(check.name) for check, _ in doubted)
        status += f" The painted {names} may not pass for the photo (see the notices; paint green to preserve)."
    elif session.scene and bitstream.mode.name.lower() != "global":
        status += " This photo is outside what the models know (see the note above the legend)."
    return CompressView((rgb, recon), mask_overlay(rgb, preserved), stats, str(path), status)


@user_errors("comparing with the classical codecs")
def on_compare(session: Session | None) -> Iterator[tuple[str, list]] | None:
    """JPEG and AVIF at the size of the session's last result, row by row; None when there is none (a new image
    came)."""
    if session is None or session.result is None or session.rgb is None or session.replaced:
        return None
    return comparison(session.rgb, session.result, session.baselines)


def api_compress(
    image: str,
    preserve: list[str] | None,
    model: str | None,
    seed: float | None,
    max_bytes: float | None,
    workdir_root: Path,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[str, np.ndarray, dict]:
    """Compress one image with selgan; returns the .sgc file, its decoded image and a summary.

    Args:
        image: the image file (PNG, JPEG, WebP, …; at least 16×16 pixels; large ones are downscaled).
        preserve: class names to preserve, coded at the model's rate; the rest is synthesised from the label map. Also "default" (the model's own set; the same as an empty list), "all" (the whole image), "nothing" (fully generative) or "all-but:sky,road". With max_bytes: the order in which the budget preserves classes (empty: the model's own order).
        model: the codec's name (empty: the default model).
        seed: the seed of the synthesised texture, 0 … 2**32-1.
        max_bytes: a byte budget (empty: none): the file that preserves the most among those that fit; it may use another model of the same family, which the summary names.

    Returns:
        the .sgc file; the decoded image as a PNG, exactly what selgan.decompress gives for the file; a summary: model, bytes, bpp, width, height, seed, mode, preserved_classes, preserved_share, psnr_preserved, psnr_whole.
    """
    if not image:
        raise gr.Error("Give an image file.", print_exception=False)
    rgb, filename = load_upload(image, max_pixels)
    codec = shared(model or selgan.default_model())
    seed = int(seed or 0)
    wanted = [p for p in (preserve or []) if str(p).strip()]
    if max_bytes is not None:
        if max_bytes != int(max_bytes) or max_bytes < 1:
            raise gr.Error(
                f"max_bytes must be a positive whole number of bytes, got {max_bytes}.", print_exception=False
            )
        keyword = len(wanted) == 1 and str(wanted[0]).lower() in ("default", "all", "nothing")
        options = {"max_bytes": int(max_bytes), "priority": None if not wanted or keyword else wanted}
    else:  # the preserve dialect of selgan.select.parse_preserve; nothing named: the model's own set, else global
        options = {"preserve": wanted or ("default" if codec.default_preserve else None)}
    result = Pipeline(codec).run(rgb, seed=seed, **options)
    bitstream, data, recon, preserved = result.bitstream, result.data, result.reconstruction, result.preserved
    folder = workdir_root / "api"
    prune(folder, max_age_s=900)
    out = folder / uuid.uuid4().hex / f"{Path(filename).stem or 'image'}.{bitstream.model_id}.sgc"
    out.parent.mkdir(parents=True)
    out.write_bytes(data)
    names = shared(bitstream.model_id).class_names
    regions = psnr_by_region(rgb, recon, preserved)
    summary = {
        "model": bitstream.model_id,
        "bytes": len(data),
        "bpp": round(bitstream.bpp, 6),
        "width": bitstream.width,
        "height": bitstream.height,
        "seed": bitstream.seed,
        "mode": bitstream.mode.name.lower(),
        "preserved_classes": [names[i] for i in bitstream.preserved_classes if i < len(names)],
        "preserved_share": round(float(preserved.mean()), 6),
        "psnr_preserved": round(regions["psnr_preserved"], 3) if preserved.any() else None,
        "psnr_whole": round(regions["psnr"], 3),
    }
    return str(out), recon, summary


@user_errors("reading the file's header")
def on_header(path: str | None) -> str:
    """Header of an uploaded .sgc file as Markdown (shown before the slower decode); empty without a file."""
    if not path:
        return ""
    bitstream = Bitstream.from_bytes(Path(path).read_bytes())
    try:
        names = shared(bitstream.model_id).class_names
        classes = ", ".join(names[i] if i < len(names) else str(i) for i in bitstream.preserved_classes) or "—"
    except SelganError:
        classes = ", ".join(map(str, bitstream.preserved_classes)) or "—"
    sizes = ", ".join(f"{k} {v:,} B" for k, v in bitstream.stream_sizes().items())
    return (
        f"**model** {bitstream.model_id} (weights {bitstream.weights_hash.hex()}) · "
        f"**size** {bitstream.width}×{bitstream.height} · **mode** {bitstream.mode.name.lower()} · "
        f"**preserved classes** {classes} · **seed** {bitstream.seed}\n\n"
        f"**file** {bitstream.num_bytes:,} B = {bitstream.bpp:.4f} bpp · **streams** {sizes}"
    )


@user_errors("decoding the file")
def on_decode(path: str | None) -> np.ndarray | None:
    """Decode an uploaded .sgc file with the model named in its header; None without a file."""
    if not path:
        return None
    return np.asarray(selgan.decompress(Path(path).read_bytes()))
