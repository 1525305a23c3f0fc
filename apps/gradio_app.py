"""selgan in the browser: choose what to preserve and what to synthesise, see the result, download the file.

UI only: every operation goes through selgan's public API. Start it with `selgan app`
(or `python apps/gradio_app.py`); `build_app()` returns the gr.Blocks for tests and embedding.
"""
from __future__ import annotations

import html
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

import selgan
from selgan import Bitstream, Codec, SegMap, SelganError
from selgan.eval.baselines import BASELINES, code_at_budget
from selgan.metrics import psnr
from selgan.imageio import load_rgb
from selgan.select import pixel_preserve_mask

EXAMPLES = [
    Path(__file__).resolve().parent.parent / "selgan" / "assets" / "demo_street.png",
    Path(__file__).resolve().parent / "examples" / "crossing.png",
]
DEFAULT_MAX_PIXELS = 2_100_000  # about 1920×1080; decoding cost grows with the area
KEEP_COLOR, SYNTH_COLOR = (0, 255, 0), (255, 0, 255)  # brush colours that add/remove preserved regions
PRESETS = {
    "people and vehicles": ("pedestrian", "person", "rider", "bicyclist", "car", "truck", "bus", "train",
                            "motorcycle", "bicycle"),
    "everything but sky and road": "all-but:sky,road",
    "nothing — fully generative": (),
    "everything — global": "all",
}
COMPARE_WITH = ("avif", "jpeg")
CPU = "cpu"  # one concurrency slot for every model call: torch already uses all cores


@dataclass
class Session:
    """One browser session's image and its segmentations (one per segmenter)."""

    rgb: np.ndarray | None = None
    name: str = "image"
    segmaps: dict[str, SegMap] = field(default_factory=dict)


@lru_cache(maxsize=4)
def shared_codec(name: str) -> Codec:
    """Models are read-only once loaded, so sessions share them."""
    return selgan.load(name)


def user_errors(fn):
    """selgan's own errors (bad file, unknown class, corrupt stream, missing model) become one UI message."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SelganError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return wrapper


def session_dir(root: Path, request: gr.Request | None) -> Path:
    """Per-session folder for downloads, removed when the session ends (see build_app's unload)."""
    key = getattr(request, "session_hash", None) or "local"
    path = root / "".join(c for c in key if c.isalnum())
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- step 1: image in, segmentation out --------------------------------------------------------
def selectable(codec: Codec) -> list[tuple[int, str]]:
    """(id, name) of the classes a user can preserve or paint: the vocabulary without its ignore id."""
    ignore = codec.vocabulary.ignore_id
    return [(i, n) for i, n in enumerate(codec.class_names) if i != ignore]


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
    return preset_classes("people and vehicles", [n for _, n in selectable(codec)])


def legend_html(segmap: SegMap) -> str:
    """Each class present: its colour, name and share of the image."""
    rows = "".join(
        f'<li><span style="display:inline-block;width:1em;height:1em;background:rgb{share.color};'
        f'border:1px solid #888;vertical-align:middle"></span> {html.escape(share.name)} '
        f"<b>{share.share:.1%}</b></li>"
        for share in segmap.classes_present()
    )
    return f'<ul class="selgan-legend" style="list-style:none;padding-left:0;columns:2">{rows}</ul>'


def segmentation_of(session: Session, codec: Codec) -> SegMap:
    """The session's image segmented by the model's segmenter, computed once per segmenter."""
    key = codec.segmenter or ""
    if key not in session.segmaps:
        session.segmaps[key] = codec.segment(session.rgb)
    return session.segmaps[key]


@user_errors
def on_image(path: str | None, model_name: str, session: Session | None, max_pixels: int = DEFAULT_MAX_PIXELS):
    """New image: downscale if huge, segment; the overlay, legend, class choices, editor canvas and preview."""
    if not path:
        return Session(), None, "", gr.update(choices=[], value=[]), None, None
    rgb = load_rgb(path)
    height, width = rgb.shape[:2]
    if height * width > max_pixels:
        scale = (max_pixels / (height * width)) ** 0.5
        size = (max(16, int(width * scale)), max(16, int(height * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))
        gr.Warning(f"The image is {width}×{height}; it was downscaled to {size[0]}×{size[1]} "
                   f"(limit {max_pixels:,} pixels).")
    session = Session(rgb=rgb, name=Path(path).stem or "image")
    codec = shared_codec(model_name)
    segmap = segmentation_of(session, codec)
    overlay = segmap.overlay(rgb)
    present = {s.name: s.share for s in segmap.classes_present()}
    names = [n for _, n in selectable(codec)]
    choices = [(f"{n} ({present[n]:.0%})" if n in present else n, n) for n in names]
    default = [n for n in default_ticks(codec) if n in present]
    editor = {"background": np.asarray(overlay), "layers": [], "composite": np.asarray(overlay)}
    return session, overlay, legend_html(segmap), gr.update(choices=choices, value=default), editor, rgb


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
        return {}, "global: everything preserved"
    if ticked:
        return {"preserve": ticked}, "preserving " + ", ".join(ticked)
    gr.Warning("Nothing is selected to preserve: the whole image is synthesised from its label map.")
    return {"mask": np.zeros(segmap.labels.shape, bool)}, "nothing preserved: fully generative"


# ---- step 3: compress, decode, compare -----------------------------------------------------------
def best_baseline(name: str, rgb: np.ndarray, max_bytes: int):
    """The best-PSNR file of a classical codec within max_bytes, at full, 1/2 or 1/4 size (None if none fits)."""
    fits = [r for r in (code_at_budget(BASELINES[name], rgb, max_bytes, scale) for scale in (1, 2, 4))
            if r.reconstruction is not None]
    return max(fits, key=lambda r: psnr(rgb, r.reconstruction), default=None)


def mask_overlay(rgb: np.ndarray, preserved: np.ndarray) -> Image.Image:
    """Synthesised pixels tinted magenta, preserved pixels as they are."""
    out = rgb.astype(np.float64)
    out[~preserved] = out[~preserved] * 0.45 + np.asarray(SYNTH_COLOR) * 0.55
    return Image.fromarray(out.round().astype(np.uint8))


def stats_markdown(name: str, bitstream: Bitstream, how: str, encode_s: float, decode_s: float,
                   rgb: np.ndarray, recon: np.ndarray, preserved: np.ndarray) -> str:
    """File size, bpp, bytes per stream, timings and quality as a Markdown table."""
    sizes = bitstream.stream_sizes()
    rows = [("image", f"{html.escape(name)} ({bitstream.width}×{bitstream.height}), model {bitstream.model_id}"),
            ("file", f"**{bitstream.num_bytes:,} B**, **{bitstream.bpp:.4f} bpp**")]
    rows += [(name, f"{sizes[name]:,} B" if name in sizes else "— (not stored)")
             for name in ("header", "labels", "mask", "latent")]
    rows += [("selection", how), ("encode", f"{encode_s:.2f} s"), ("decode", f"{decode_s:.2f} s"),
             ("PSNR (all)", f"{psnr(rgb, recon):.2f} dB")]
    if preserved.any() and not preserved.all():
        rows.append(("PSNR (preserved)", f"{psnr(rgb, recon, preserved):.2f} dB"))
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)


def compare_markdown_and_gallery(rgb: np.ndarray, max_bytes: int) -> tuple[str, list]:
    """The same image coded by each classical codec at (at most) the same file size."""
    lines, gallery = [], []
    for name in COMPARE_WITH:
        result = best_baseline(name, rgb, max_bytes)
        if result is None:
            lines.append(f"- **{name.upper()}**: no file fits in {max_bytes:,} B, even at 1/4 size")
            continue
        label = f"{name.upper()}{'' if result.scale == 1 else f' at 1/{result.scale} size'}"
        quality = psnr(rgb, result.reconstruction)
        lines.append(f"- **{label}**: {result.num_bytes:,} B, {quality:.2f} dB")
        gallery.append((result.reconstruction, f"{label}, {result.num_bytes:,} B, {quality:.2f} dB"))
    return "\n".join(lines), gallery


@user_errors
def on_compress(session: Session | None, model_name: str, classes: list[str] | None, editor: dict | None,
                seed: float | None, workdir_root: Path, request: gr.Request | None = None,
                progress=gr.Progress()):
    """Compress the session's image with the chosen regions; decode it back; compare with AVIF/JPEG."""
    if session is None or session.rgb is None:
        raise gr.Error("Upload or pick an image first.", print_exception=False)
    rgb = session.rgb
    codec = shared_codec(model_name)
    progress(0.1, desc="segmenting")
    segmap = segmentation_of(session, codec)
    strokes = read_strokes(editor, (rgb.shape[1], rgb.shape[0]), codec)
    for class_id, pixels in strokes.relabel.items():
        segmap = segmap.with_overrides(pixels, class_id)
    kwargs, how = selection(classes, strokes, segmap, codec)
    seed = int(seed or 0)
    progress(0.3, desc="encoding")
    start = time.perf_counter()
    bitstream = codec.compress(rgb, labels=segmap, seed=seed, **kwargs)
    data = bitstream.to_bytes()
    encode_s = time.perf_counter() - start
    progress(0.5, desc="decoding")
    start = time.perf_counter()
    recon = np.asarray(codec.decompress(data))
    decode_s = time.perf_counter() - start
    preserved = codec.preserved_mask(data)
    path = session_dir(workdir_root, request) / f"{session.name}.{model_name}.sgc"
    path.write_bytes(data)
    progress(0.7, desc="coding with AVIF and JPEG at the same size")
    compare, gallery = compare_markdown_and_gallery(rgb, len(data))
    stats = stats_markdown(session.name, bitstream, how, encode_s, decode_s, rgb, recon, preserved)
    return (rgb, recon), mask_overlay(rgb, preserved), stats, compare, gallery, gr.update(value=str(path), interactive=True)


# ---- second tab: decode a file --------------------------------------------------------------------
def read_file(path: str | None) -> bytes:
    if not path:
        raise gr.Error("Upload a .sgc file first.", print_exception=False)
    return Path(path).read_bytes()


@user_errors
def on_header(path: str | None) -> str:
    """Header of an uploaded .sgc file as Markdown (shown before the slower decode)."""
    bitstream = Bitstream.from_bytes(read_file(path))
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


@user_errors
def on_decode(path: str | None) -> np.ndarray:
    """Decode an uploaded .sgc file with the model named in its header."""
    return np.asarray(selgan.decompress(read_file(path)))


# ---- layout --------------------------------------------------------------------------------------
def build_app(max_pixels: int = DEFAULT_MAX_PIXELS, workdir: Path | None = None) -> gr.Blocks:
    """The app; per-session files live under `workdir` (a fresh temporary folder by default)."""
    models = selgan.list_models()
    if not models:
        raise SelganError("no codec models are installed (see `selgan models`)")
    default_model = selgan.default_model()
    root = Path(workdir or tempfile.mkdtemp(prefix="selgan-app-"))

    def cleanup(request: gr.Request) -> None:
        shutil.rmtree(session_dir(root, request), ignore_errors=True)

    # Gradio keeps its own copies of served files; they go after 15 minutes (and when the app closes).
    with gr.Blocks(title="selgan", delete_cache=(300, 900)) as app:
        session = gr.State(None, time_to_live=3600)
        gr.Markdown("# selgan — keep what matters, synthesise the rest\n"
                    "Pick an image, choose what to **preserve** (stored faithfully); everything else is "
                    "**synthesised** from the label map by the generator.")
        with gr.Tab("Compress"):
            with gr.Row():
                with gr.Column():
                    # A file input rather than gr.Image: every upload then reaches selgan's own reader,
                    # so a non-image gets selgan's message instead of a failure inside Gradio.
                    image = gr.File(label="Image (PNG, JPEG, WebP, …)", file_types=["image"], elem_id="input-image")
                    gr.Examples([[str(p)] for p in EXAMPLES if p.exists()], inputs=[image])
                    preview = gr.Image(label="Input", interactive=False, elem_id="preview")
                with gr.Column():
                    overlay = gr.Image(label="Segmentation", interactive=False, elem_id="overlay")
                    legend = gr.HTML(elem_id="legend")
            with gr.Row():
                with gr.Column():
                    model = gr.Dropdown(models, value=default_model, label="Model (rate)", elem_id="model")
                    preset = gr.Radio(list(PRESETS), label="Preset", value=None, elem_id="preset")
                    classes = gr.CheckboxGroup([], label="Preserve these classes (the rest is synthesised)",
                                               elem_id="classes")
                    seed = gr.Number(0, label="Seed of the synthesised texture", precision=0, minimum=0,
                                     maximum=2**32 - 1)
                    run = gr.Button("Compress", variant="primary", elem_id="compress")
                with gr.Column():
                    editor = gr.ImageEditor(
                        label="Optional: paint green to preserve, magenta to synthesise, "
                              "a class colour to relabel (asks the generator for that class)",
                        type="numpy", sources=[], transforms=(), layers=False,
                        brush=gr.Brush(colors=["#00ff00", "#ff00ff"], color_mode="defaults"),
                        elem_id="editor")
            with gr.Row():
                slider = gr.ImageSlider(label="Original | reconstruction (drag)", elem_id="result")
                mask = gr.Image(label="Preserved (as is) and synthesised (magenta)", interactive=False)
            with gr.Row():
                stats = gr.Markdown(elem_id="stats")
                with gr.Column():
                    compare = gr.Markdown(elem_id="compare")
                    gallery = gr.Gallery(label="Classical codecs at the same file size", columns=2)
            download = gr.DownloadButton("Download .sgc", interactive=False, elem_id="download")
        with gr.Tab("Decode a file"):
            upload = gr.File(label=".sgc file", file_types=[".sgc"], elem_id="sgc-upload")
            header = gr.Markdown(elem_id="header")
            decoded = gr.Image(label="Decoded", interactive=False, elem_id="decoded")

        def image_changed(path, model_name, state):
            return on_image(path, model_name, state, max_pixels)

        def recolour_brush(model_name):
            colors = ["#%02x%02x%02x" % c for c in brush_colors(shared_codec(model_name))]
            return gr.update(brush=gr.Brush(colors=colors, default_color=colors[0], color_mode="defaults"))

        def compress_clicked(state, model_name, ticked, painted, seed_value, request: gr.Request,
                             progress=gr.Progress()):
            return on_compress(state, model_name, ticked, painted, seed_value, root, request, progress)

        outputs = [session, overlay, legend, classes, editor, preview]
        image.change(image_changed, [image, model, session], outputs, concurrency_id=CPU, concurrency_limit=1)
        model.change(image_changed, [image, model, session], outputs, concurrency_id=CPU)
        model.change(recolour_brush, [model], [editor])
        app.load(recolour_brush, [model], [editor])
        preset.select(lambda p, m: preset_classes(p, [n for _, n in selectable(shared_codec(m))]), [preset, model],
                      [classes])
        run.click(compress_clicked, [session, model, classes, editor, seed],
                  [slider, mask, stats, compare, gallery, download], concurrency_id=CPU)
        upload.upload(on_header, [upload], [header]).then(on_decode, [upload], [decoded], concurrency_id=CPU)
        app.unload(cleanup)
    app.queue(default_concurrency_limit=1, max_size=32)
    return app


def main(host: str = "127.0.0.1", port: int = 7860, share: bool = False,
         max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
    """Serve the app until interrupted."""
    build_app(max_pixels).launch(server_name=host, server_port=port, share=share, show_error=True)


if __name__ == "__main__":
    main()
