"""The page's event steps around the handlers: what each event does with the session and the page's
server folder and upload limit (the layout wires them to components)."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr

from selgan.api import shared
from selgan.app.compare import PENDING
from selgan.app.handlers import api_compress, image_view, on_budget, on_compare, on_compress, on_image
from selgan.app.messages import guarded, user_errors
from selgan.app.session import Session, segmentation_of, session_dir
from selgan.app.views import brush_colors, class_choices, preset_classes, selectable_names

RESULTS = ("slider", "mask", "stats", "compare", "gallery", "download", "status")  # what a compression shows


class Steps:
    """The page's event steps around the handlers: the server folder and upload limit are the page's."""

    def __init__(self, root: Path, max_pixels: int) -> None:
        self.root, self.max_pixels = root, max_pixels

    @staticmethod
    def cleared() -> list:
        return [None, None, "", "", [], gr.update(value=None, interactive=False), ""]

    def reset_view(self, state):  # at once, before the image is read: nothing of the previous one stays on screen
        if state is not None:
            state.replaced = True
        return [Session(), None, "", gr.update(value=[]), ""] + self.cleared()

    def load_image(self, path, model_name):
        view = on_image(path, model_name, None, self.max_pixels)
        return [view.session, view.editor, view.legend, view.classes, ""] + self.cleared()

    def budget_left(self, state, model_name, text, seed_value):  # leaving the box applies a changed budget only
        return on_budget(state, model_name, text, seed_value, force=False)

    def change_model(self, state, model_name, ticks):
        codec = shared(model_name)
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

    def override_ticks(self, state):
        if state is not None and state.afforded is not None:
            state.overridden = True

    def apply_preset(self, state, name, model_name):
        self.override_ticks(state)
        return preset_classes(name, shared(model_name)) if name else gr.skip()

    def recolour_brush(self, model_name):
        colors = ["#{:02x}{:02x}{:02x}".format(*c) for c in brush_colors(shared(model_name))]
        return gr.update(brush=gr.Brush(colors=colors, default_color=colors[0], color_mode="defaults"))

    def compress(
        self,
        state,
        model_name,
        ticked,
        painted,
        seed_value,
        budget_text,
        request: gr.Request,
        progress=gr.Progress(),  # noqa: B008 (Gradio injects progress through this default)
    ):
        try:
            view = on_compress(
                state, model_name, ticked, painted, seed_value, self.root, request, progress, budget_text
            )
        except gr.Error as exc:
            # Said in the status line and a toast, not raised: Gradio runs no .then() after a failed step, and
            # the chain's last step unlocks the Compress button (it stayed greyed out until a reload).
            gr.Warning(exc.message)
            return self.cleared()[:-1] + [f"**{exc.message}**"]  # no earlier result left looking current
        if state is None or state.replaced:  # a new image came while this one was coded
            return [gr.skip()] * len(RESULTS)
        return (
            view.slider,
            view.mask,
            view.stats,
            PENDING,
            [],
            gr.update(value=view.download, interactive=True),
            view.status,
        )

    @staticmethod
    def compare(state):  # a generator: the table fills in row by row, while the image is still the same
        rows = on_compare(state)
        if rows is None:
            yield gr.skip(), gr.skip()
            return
        for row in guarded(rows, "comparing with the classical codecs"):
            if state.replaced:
                yield gr.skip(), gr.skip()
                return
            yield row

    def compress_endpoint(self, image, preserve, model, seed, max_bytes):
        return user_errors("compressing")(api_compress)(
            image, preserve, model, seed, max_bytes, self.root, self.max_pixels
        )

    def cleanup(self, request: gr.Request) -> None:
        shutil.rmtree(session_dir(self.root, request), ignore_errors=True)


Steps.compress_endpoint.__doc__ = api_compress.__doc__
