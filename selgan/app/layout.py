"""The page: components, their events in order, the queue; `selgan app` serves it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

import selgan
from selgan import SelganError
from selgan.api import shared
from selgan.app.handlers import (
    on_budget,
    on_decode,
    on_header,
)
from selgan.app.messages import DEFAULT_MAX_PIXELS, MIN_SIDE
from selgan.app.steps import RESULTS, Steps
from selgan.app.views import PRESETS, class_choices, selectable_names

EXAMPLES = [Path(selgan.__file__).resolve().parent / "assets" / "dashcam.png"]  # real photo, MIT
CPU = "cpu"  # one concurrency group for every model call: torch already uses all cores
HEADER = (
    "## selgan — keep what matters, synthesise the rest\n"
    "**Preserved** regions are coded from the photo at the model's rate; **synthesised** regions are painted "
    "by the generator from the label map alone (plausible, not the original)."
)


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
    with gr.Blocks(title="selgan", delete_cache=(300, 900)) as app:
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
                elem_id="editor",
            )
            gr.Markdown(
                "Paint on the segmentation: **green** preserves, **magenta** synthesises, a "
                "**class colour** relabels (the generator paints that class there).",
                elem_id="paint-help",
            )
            legend = gr.HTML(elem_id="legend")
    return {**controls, "editor": editor, "legend": legend, **_result_panel()}


def _controls(models: list[str]) -> dict[str, gr.components.Component]:
    """The left column: image, budget and model, class ticks, Compress with its status, preset and seed."""
    c = {}
    # A file input rather than gr.Image: every upload then reaches selgan's own reader,
    # so a non-image gets selgan's message instead of a failure inside Gradio.
    with gr.Row():
        c["image"] = gr.File(
            label=f"Image (PNG, JPEG, WebP, …; at least {MIN_SIDE}×{MIN_SIDE})",
            file_types=["image"],
            height=110,
            elem_id="input-image",
            scale=3,
        )
        with gr.Column(scale=2, min_width=120):
            examples = [[str(p)] for p in EXAMPLES if p.exists()]
            gr.Examples(
                examples, inputs=[c["image"]], label="Example: a real photo", api_name="load_example", **PRIVATE
            )
    with gr.Row():
        c["budget"] = gr.Textbox(
            label="Byte budget (optional)", placeholder="e.g. 1500 or 1.5 KB", elem_id="budget", min_width=120
        )
        c["model"] = gr.Dropdown(models, value=selgan.default_model(), label="Model", elem_id="model", min_width=120)
    c["classes"] = gr.CheckboxGroup(
        class_choices(shared(selgan.default_model()), None),
        value=[],
        label="Preserve (coded at the model's rate); the rest is synthesised",
        elem_id="classes",
    )
    with gr.Row(equal_height=True):
        c["run"] = gr.Button("Compress", variant="primary", elem_id="compress", scale=3)
        c["status"] = gr.Markdown(elem_id="status", min_height=40, min_width=160)  # queue place, progress
    c["budget_note"] = gr.Markdown(elem_id="budget-note")
    with gr.Row():
        c["preset"] = gr.Dropdown(list(PRESETS), value=None, label="Preset", elem_id="preset", min_width=120)
        c["seed"] = gr.Number(
            0, label="Texture seed", precision=0, minimum=0, maximum=2**32 - 1, elem_id="seed", min_width=100
        )
    return c


def _result_panel() -> dict[str, gr.components.Component]:
    """Original and reconstruction under a slider, the preserved mask, statistics, the comparison, download."""
    with gr.Row():
        slider = gr.ImageSlider(label="Original | reconstruction (drag)", format="png", elem_id="result")
        mask = gr.Image(
            label="Preserved (coded at the model's rate) · magenta: synthesised from the labels",
            interactive=False,
            format="png",
            elem_id="mask",
        )
    with gr.Row():
        stats = gr.Markdown(elem_id="stats")
        with gr.Column():
            compare = gr.Markdown(elem_id="compare")
            gallery = gr.Gallery(
                label="Classical codecs at the same file size", columns=2, format="png", elem_id="gallery"
            )
    download = gr.DownloadButton("Download .sgc", interactive=False, elem_id="download")
    return {
        "slider": slider,
        "mask": mask,
        "stats": stats,
        "compare": compare,
        "gallery": gallery,
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
    ).then(on_header, [p["upload"]], [p["header"]], api_name="read_header").then(
        on_decode, [p["upload"]], [p["decoded"]], api_name="decode", **cpu
    )
    app.unload(steps.cleanup)


def _wire_image_and_budget(page: dict, steps: Steps, cpu: dict, results: list) -> None:
    """A new image clears the old result, is segmented, then shown what the budget affords; the budget box."""
    p = page
    budget_inputs = [p["session"], p["model"], p["budget"], p["seed"]]
    budget_outputs = [p["classes"], p["model"], p["budget_note"]]
    image_outputs = [p["session"], p["editor"], p["legend"], p["classes"], p["budget_note"]] + results
    # Progress shows on the note only: an overlay on the ticks would swallow the click that left the box.
    on_note = {"show_progress_on": [p["budget_note"]], **cpu, **PRIVATE}
    p["image"].change(
        steps.reset_view, [p["session"]], image_outputs, api_name="clear_result", queue=False, **PRIVATE
    ).then(
        steps.load_image,
        [p["image"], p["model"]],
        image_outputs,
        api_name="load_image",
        show_progress_on=[p["editor"]],
        **cpu,
        **PRIVATE,
    ).then(on_budget, budget_inputs, budget_outputs, api_name="budget_for_image", **on_note)
    p["budget"].submit(on_budget, budget_inputs, budget_outputs, api_name="apply_budget", **on_note)
    p["budget"].blur(steps.budget_left, budget_inputs, budget_outputs, api_name="budget_on_leave", **on_note)


def _wire_choices(app: gr.Blocks, page: dict, steps: Steps, cpu: dict) -> None:
    """Model, preset and class ticks: what to preserve, and the brush colours of the model's classes."""
    p = page
    p["model"].input(
        steps.change_model,
        [p["session"], p["model"], p["classes"]],
        [p["editor"], p["legend"], p["classes"], p["session"]],
        api_name="change_model",
        **cpu,
        **PRIVATE,
    )
    brush = {"queue": False, **PRIVATE}
    p["model"].change(steps.recolour_brush, [p["model"]], [p["editor"]], api_name="recolour_brush", **brush)
    app.load(steps.recolour_brush, [p["model"]], [p["editor"]], api_name="initial_brush", **brush)
    p["preset"].input(
        steps.apply_preset, [p["session"], p["preset"], p["model"]], [p["classes"]], api_name="apply_preset", **brush
    )
    p["classes"].input(steps.override_ticks, [p["session"]], None, api_name="override_ticks", **brush)


def _wire_compress(page: dict, steps: Steps, cpu: dict, results: list) -> None:
    """Compress: lock the button, code and show selgan's result, compare, unlock."""
    p = page
    job = p["run"].click(
        lambda: gr.update(interactive=False), None, [p["run"]], api_name="lock_compress", queue=False, **PRIVATE
    )
    job = job.then(
        steps.compress,
        [p[k] for k in ("session", "model", "classes", "editor", "seed", "budget")],
        results,
        api_name="compress_in_page",
        show_progress_on=[p["status"]],
        **cpu,
        **PRIVATE,
    )
    job = job.then(
        steps.compare,
        [p["session"]],
        [p["compare"], p["gallery"]],
        api_name="compare_classical",
        show_progress_on=[p["compare"]],
        **cpu,
        **PRIVATE,
    )
    job.then(lambda: gr.update(interactive=True), None, [p["run"]], api_name="unlock_compress", queue=False, **PRIVATE)


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
