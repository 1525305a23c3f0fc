"""The page: components, their events in order, the queue; `selgan app` serves it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

import selgan
from selgan import SelganError
from selgan.api import shared
from selgan.app.compare import ZOOMS
from selgan.app.handlers import (
    on_budget,
    on_decode,
    on_header,
)
from selgan.app.messages import DEFAULT_MAX_PIXELS, MIN_SIDE
from selgan.app.steps import RESULTS, VERSUS, Steps
from selgan.app.views import PRESETS, class_choices, selectable_names
from selgan.codec.refine import EFFORTS

EXAMPLES = [Path(selgan.__file__).resolve().parent / "assets" / "dashcam.png"]  # real photo, MIT
CPU = "cpu"  # one concurrency group for every model call: torch already uses all cores
HEADER = (
    "## selgan — keep what matters, synthesise the rest\n"
    "**Preserved** regions are coded from the photo at the model's rate; **synthesised** regions are painted "
    "by the generator from the label map alone: plausible, not the original (only the labels are stored)."
)
EFFORT_INFO = (
    "fast: one encoder pass. "
    + " ".join(
        f"{e.name}: {e.about}, fitting the file to this photo (same size, often sharper)."
        for e in list(EFFORTS.values())[1:]
    )
    + " The progress bar shows the time left."
)
NARROW_CSS = """
@media (max-width: 640px) { .gradio-container { padding: 4px !important; } }
.selgan-scene { border-left: 4px solid #d97706; padding: 4px 8px; background: rgba(217, 119, 6, 0.08); }
"""


PRIVATE = {"api_visibility": "private"}  # UI steps that need the page's session; programs use /compress


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
    steps = Steps(Path(workdir or tempfile.mkdtemp(prefix="selgan-app-")), max_pixels)
    # Gradio keeps its own copies of served files; they go after 15 minutes (and when the app closes).
    with gr.Blocks(title="selgan", delete_cache=(300, 900), css=NARROW_CSS) as app:
        page = {"session": gr.State(None, time_to_live=3600)}
        gr.Markdown(HEADER)
        with gr.Tab("Compress"):
            page.update(_compress_tab(models))
        with gr.Tab("Decode a file"):
            page.update(_decode_tab())
        with gr.Column(visible=False):  # the /compress endpoint's inputs and outputs (programs only)
            page.update(_api_panel(models))
        _wire(app, page, steps, {"concurrency_id": CPU, "concurrency_limit": concurrency})
    app.queue(default_concurrency_limit=concurrency, max_size=32)
    return app


def _compress_tab(models: list[str]) -> dict[str, gr.components.Component]:
    """Image, budget, model, classes, Compress; the segmentation to paint on; the result and the comparison."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            controls = _controls(models)
        with gr.Column(scale=3):
            editor = gr.ImageEditor(
                label="Segmentation",
                type="numpy",
                sources=[],
                transforms=(),
                layers=False,
                format="png",
                brush=gr.Brush(colors=["#00ff00", "#ff00ff"], color_mode="defaults"),
                placeholder="Upload or pick an image: its segmentation shows here, to paint on.",
                elem_id="editor",
            )
            gr.Markdown(
                "Paint on the segmentation: **green** preserves, **magenta** synthesises, a "
                "**class colour** relabels (the generator paints that class there). Only strokes on the picture "
                "count. The file codes 16×16-pixel blocks, so painted edges follow that grid.",
                elem_id="paint-help",
            )
            scene = gr.HTML(elem_id="scene")
            legend = gr.HTML(elem_id="legend")
    return {**controls, "editor": editor, "scene": scene, "legend": legend, **_result_panel()}


def _controls(models: list[str]) -> dict[str, gr.components.Component]:
    """The left column: image, budget and model, class ticks, Compress with its status, preset and seed."""
    c = {}
    # A file input rather than gr.Image: every upload then reaches selgan's own reader,
    # so a non-image gets selgan's message instead of a failure inside Gradio.
    with gr.Row():
        c["image"] = gr.File(
            label=f"Image (PNG, JPEG, WebP, …; at least {MIN_SIDE}×{MIN_SIDE})",
            file_types=["image"],
            height=140,  # 110 cut the drop area's icon and text off
            elem_id="input-image",
            scale=3,
            min_width=240,  # on a phone the example goes below it instead of squeezing the file name
        )
        with gr.Column(scale=2, min_width=120):
            examples = [[str(p)] for p in EXAMPLES if p.exists()]
            gr.Examples(
                examples, inputs=[c["image"]], label="Example: a real photo", api_name="load_example", **PRIVATE
            )
    with gr.Row():
        c["budget"] = gr.Textbox(
            label="Byte budget (optional)",
            placeholder="e.g. 1500 or 1.5 KB",
            info="Bytes: 1500, 1.5 KB (= 1,500 B), 2 KiB (= 2,048 B)",
            elem_id="budget",
            min_width=120,
        )
        c["model"] = gr.Dropdown(
            models,
            value=selgan.default_model(),
            label="Model",
            info="gc: whole photo · sc: selective (table below)",
            elem_id="model",
            min_width=120,
        )
    with gr.Accordion("What the models are, and what this photo costs in each", open=False, elem_id="models-box"):
        c["model_help"] = gr.Markdown(elem_id="model-help")
    c["classes"] = gr.CheckboxGroup(
        class_choices(shared(selgan.default_model()), None),
        value=[],
        label="Preserve (coded at the model's rate); the rest is synthesised",
        info="Preserved: coded from the photo with as much detail as the model's bits allow (not pixel-exact). "
        "Synthesised: painted from the labels, plausible but not the photo.",
        elem_id="classes",
    )
    # Disabled until an image is segmented (and while it is): there is nothing to code before.
    c["run"] = gr.Button("Compress", variant="primary", elem_id="compress", interactive=False)
    c["status"] = gr.Markdown(elem_id="status", min_height=40)  # queue place, progress, the outcome
    c["budget_note"] = gr.Markdown(elem_id="budget-note")
    c["effort"] = gr.Radio(list(EFFORTS), value="fast", label="Encode effort", info=EFFORT_INFO, elem_id="effort")
    with gr.Row():
        c["preset"] = gr.Dropdown(list(PRESETS), value=None, label="Preset", elem_id="preset", min_width=120)
        c["seed"] = gr.Number(
            0,
            label="Texture seed",
            info="Another seed paints other leaves and clouds; preserved regions do not change. Stored in the file.",
            precision=0,
            minimum=0,
            maximum=2**32 - 1,
            elem_id="seed",
            min_width=100,
        )
    return c


def _result_panel() -> dict[str, gr.components.Component]:
    """Original and reconstruction under a slider, the preserved mask, statistics, the comparison at the same
    scale (a slider against the chosen classical file, both zoomable on one spot), download."""
    with gr.Row():
        slider = gr.ImageSlider(label="Original (left) | selgan (right): drag", format="png", elem_id="result")
        mask = gr.Image(
            label="Preserved (coded at the model's rate) · magenta: synthesised · click to zoom both sliders here",
            interactive=False,
            format="png",
            elem_id="mask",
        )
    zoom = gr.Radio(list(ZOOMS), value=next(iter(ZOOMS)), label="Zoom (both sliders, same spot)", elem_id="zoom")
    with gr.Row():
        stats = gr.Markdown(elem_id="stats")
        with gr.Column():
            compare = gr.Markdown(elem_id="compare")
            against = gr.Radio([], label="Compare selgan with", elem_id="against")
            versus = gr.ImageSlider(label=VERSUS, format="png", elem_id="versus")
    download = gr.DownloadButton("Download .sgc", interactive=False, elem_id="download")
    return {
        "slider": slider,
        "mask": mask,
        "zoom": zoom,
        "stats": stats,
        "compare": compare,
        "against": against,
        "versus": versus,
        "download": download,
    }


def _decode_tab() -> dict[str, gr.components.Component]:
    upload = gr.File(label=".sgc file", file_types=[".sgc"], elem_id="sgc-upload")
    header = gr.Markdown(elem_id="header")
    decoded = gr.Image(label="Decoded", interactive=False, format="png", elem_id="decoded")
    return {"upload": upload, "header": header, "decoded": decoded}


def _api_panel(models: list[str]) -> dict[str, gr.components.Component]:
    """The /compress endpoint's inputs and outputs (hidden: programs only)."""
    keywords = ["default", "all", "nothing"] + selectable_names(shared(selgan.default_model()))
    return {
        "api_image": gr.File(label="image", file_types=["image"]),
        "api_preserve": gr.Dropdown(keywords, value=[], multiselect=True, allow_custom_value=True, label="preserve"),
        "api_model": gr.Dropdown(models, value=selgan.default_model(), label="model"),
        "api_seed": gr.Number(0, precision=0, minimum=0, maximum=2**32 - 1, label="seed"),
        "api_budget": gr.Number(None, precision=0, minimum=1, label="max_bytes"),
        "api_file": gr.File(label="sgc"),
        "api_recon": gr.Image(format="png", label="reconstruction"),
        "api_info": gr.JSON(label="summary"),
        "api_button": gr.Button("compress"),
    }


def _wire(app: gr.Blocks, page: dict, steps: Steps, cpu: dict) -> None:
    """Every event of the page, in the order a user meets them."""
    p = page
    results = [p[name] for name in RESULTS]
    _wire_image_and_budget(page, steps, cpu, results)
    _wire_choices(app, page, steps, cpu)
    _wire_compress(page, steps, cpu, results)
    p["api_button"].click(
        steps.compress_endpoint,
        [p[k] for k in ("api_image", "api_preserve", "api_model", "api_seed", "api_budget")],
        [p["api_file"], p["api_recon"], p["api_info"]],
        api_name="compress",
        **cpu,
    )
    p["upload"].change(
        lambda: ("", None), None, [p["header"], p["decoded"]], api_name="clear_decoded", queue=False, **PRIVATE
    ).then(on_header, [p["upload"]], [p["header"]], api_name="read_header", trigger_mode="always_last").then(
        on_decode, [p["upload"]], [p["decoded"]], api_name="decode", trigger_mode="always_last", **cpu
    )
    app.unload(steps.cleanup)


def _wire_image_and_budget(page: dict, steps: Steps, cpu: dict, results: list) -> None:
    """A new image clears the old result, is segmented, then shown what the budget affords; the budget box."""
    p = page
    budget_inputs = [p["session"], p["model"], p["budget"], p["seed"]]
    budget_outputs = [p["classes"], p["model"], p["budget_note"]]
    image_outputs = [p["session"], p["editor"], p["legend"], p["classes"], p["budget_note"], p["scene"], p["run"]]
    image_outputs += [p["preset"]]  # a new image starts from its model's own ticks, not the last image's preset
    image_outputs += results
    # Progress shows on the note only: an overlay on the ticks would swallow the click that left the box.
    on_note = {"show_progress_on": [p["budget_note"]], **cpu, **PRIVATE}
    # A step of a .then() chain refuses a new submission while an earlier one waits in the queue (trigger mode
    # "once"): an image picked while a job ran was never segmented. The last image must always be handled.
    last = {"trigger_mode": "always_last"}
    p["image"].change(
        steps.reset_view, [p["session"]], image_outputs, api_name="clear_result", queue=False, **PRIVATE
    ).then(
        steps.load_image,
        [p["image"], p["model"]],
        image_outputs,
        api_name="load_image",
        show_progress_on=[p["editor"]],
        **last,
        **cpu,
        **PRIVATE,
    ).then(on_budget, budget_inputs, budget_outputs, api_name="budget_for_image", **last, **on_note).then(
        steps.model_sizes,
        [p["session"], p["seed"]],
        [p["model_help"]],
        api_name="model_sizes",
        show_progress="hidden",
        **last,
        **cpu,
        **PRIVATE,
    )
    p["budget"].submit(on_budget, budget_inputs, budget_outputs, api_name="apply_budget", **on_note)
    p["budget"].blur(steps.budget_left, budget_inputs, budget_outputs, api_name="budget_on_leave", **on_note)


def _wire_choices(app: gr.Blocks, page: dict, steps: Steps, cpu: dict) -> None:
    """Model, preset and class ticks: what to preserve, and the brush colours of the model's classes."""
    p = page
    p["model"].input(
        steps.change_model,
        [p["session"], p["model"], p["classes"]],
        [p["editor"], p["legend"], p["classes"], p["session"], p["scene"]],
        api_name="change_model",
        **cpu,
        **PRIVATE,
    )
    brush = {"queue": False, **PRIVATE}
    p["model"].change(steps.recolour_brush, [p["model"]], [p["editor"]], api_name="recolour_brush", **brush)
    app.load(steps.recolour_brush, [p["model"]], [p["editor"]], api_name="initial_brush", **brush)
    app.load(steps.model_sizes, [p["session"], p["seed"]], [p["model_help"]], api_name="initial_models", **brush)
    p["preset"].input(
        steps.apply_preset, [p["session"], p["preset"], p["model"]], [p["classes"]], api_name="apply_preset", **brush
    )
    p["classes"].input(steps.override_ticks, [p["session"]], None, api_name="override_ticks", **brush)


def _wire_compress(page: dict, steps: Steps, cpu: dict, results: list) -> None:
    """Compress: lock the button, code and show selgan's result, compare, unlock."""
    p = page
    job = p["run"].click(
        steps.starting, [p["session"]], [p["run"]] + results, api_name="lock_compress", queue=False, **PRIVATE
    )
    job = job.then(
        steps.compress,
        [p[k] for k in ("session", "model", "classes", "editor", "seed", "budget", "effort")],
        results,
        api_name="compress_in_page",
        show_progress_on=[p["status"]],
        **cpu,
        **PRIVATE,
    )
    job = job.then(
        steps.compare,
        [p["session"]],
        [p["compare"], p["versus"], p["against"]],
        api_name="compare_classical",
        show_progress_on=[p["compare"]],
        **cpu,
        **PRIVATE,
    )
    job.then(steps.unlock, [p["session"]], [p["run"]], api_name="unlock_compress", queue=False, **PRIVATE)
    views = {"queue": False, **PRIVATE}
    p["zoom"].input(steps.set_zoom, [p["session"], p["zoom"]], [p["slider"], p["versus"]], api_name="zoom", **views)
    p["mask"].select(steps.zoom_at, [p["session"]], [p["zoom"], p["slider"], p["versus"]], api_name="zoom_at", **views)
    p["against"].input(steps.choose_against, [p["session"], p["against"]], [p["versus"]], api_name="against", **views)


def main(
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    concurrency: int = 1,
) -> None:
    """Serve the app until interrupted."""
    build_app(max_pixels, concurrency=concurrency).launch(
        server_name=host, server_port=port, share=share, show_error=True
    )
