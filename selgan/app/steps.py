"""The page's event steps around the handlers: what each event does with the session and the page's
server folder and upload limit (the layout wires them to components)."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr

from selgan.api import shared
from selgan.app.compare import PENDING, ZOOMS, versus_label, zoomed
from selgan.app.handlers import (
    api_compress,
    image_view,
    on_budget,
    on_compare,
    on_compress,
    on_image,
    on_model_sizes,
    scene_note,
)
from selgan.app.messages import guarded, user_errors
from selgan.app.session import Session, segmentation_of, session_dir
from selgan.app.views import (
    brush_colors,
    class_choices,
    preset_classes,
    selectable_names,
)

# What a compression shows; all of it is cleared when a new image comes, a job starts or a job fails.
RESULTS = ("slider", "mask", "stats", "compare", "versus", "against", "zoom", "download", "status")
VERSUS = "selgan (left) | a classical codec at the same file size (right)"
WHOLE = next(iter(ZOOMS))


class Steps:
    """The page's event steps around the handlers: the server folder and upload limit are the page's."""

    def __init__(self, root: Path, max_pixels: int) -> None:
        self.root, self.max_pixels = root, max_pixels

    @staticmethod
    def cleared(status: str = "") -> list:
        return [
            None,
            None,
            "",
            "",
            gr.update(value=None, label=VERSUS),
            gr.update(choices=[], value=None),
            WHOLE,
            gr.update(value=None, interactive=False),
            status,
        ]

    def no_image(self) -> list:
        """The page without an image: empty session and views; Compress locked (pressed before a segmentation
        lands, it would code the previous ticks)."""
        return [Session(), None, "", gr.update(value=[]), "", "", gr.update(interactive=False), None] + self.cleared()

    def reset_view(self, state):  # at once, before the image is read: nothing of the previous one stays on screen
        if state is not None:
            state.replaced = True
        return self.no_image()

    def load_image(self, path, model_name):
        try:
            view = on_image(path, model_name, None, self.max_pixels)
        except gr.Error as exc:  # said once, as a notice; the page stays usable (see compress)
            gr.Warning(exc.message)
            return self.no_image()
        ready = gr.update(interactive=view.session.rgb is not None)
        return [view.session, view.editor, view.legend, view.classes, "", view.scene, ready, None] + self.cleared()

    @staticmethod
    def model_sizes(state, seed_value):  # after the segmentation: what each model costs for this photo
        return on_model_sizes(state, seed_value)

    def budget_left(self, state, model_name, text, seed_value):  # leaving the box applies a changed budget only
        return on_budget(state, model_name, text, seed_value, force=False)

    def change_model(self, state, model_name, ticks):
        codec = shared(model_name)
        if state is None or state.rgb is None:
            return [gr.skip()] * 5
        if state.afforded is not None:
            state.overridden = True
        if (codec.segmenter or "") in state.segmaps:  # the same segmentation: keep the painting
            kept = [n for n in ticks or [] if n in selectable_names(codec)]
            segmap = segmentation_of(state, codec)
            state.scene = scene_note(state, codec, segmap)
            choices = class_choices(codec, segmap)
            return gr.skip(), gr.skip(), gr.update(choices=choices, value=kept), gr.skip(), state.scene
        view = user_errors("segmenting the image")(image_view)(state, codec, ticks or [])
        return view.editor, view.legend, view.classes, view.session, view.scene

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
        effort,
        request: gr.Request,
        progress=gr.Progress(),  # noqa: B008 (Gradio injects progress through this default)
    ):
        try:
            view = on_compress(
                state, model_name, ticked, painted, seed_value, self.root, request, progress, budget_text, effort
            )
        except gr.Error as exc:
            # Said in the status line beside the button, not raised: Gradio runs no .then() after a failed step,
            # and the chain's last step unlocks the Compress button (it stayed greyed out until a reload). No
            # toast: the same words twice confused people.
            return self.cleared(f"**{exc.message}**")  # no earlier result left looking current
        if state is None or state.replaced:  # a new image came while this one was coded
            return [gr.skip()] * len(RESULTS)
        state.zoom, state.found, state.against, state.against_chosen = 1, [], None, False
        return (
            view.slider,
            view.mask,
            view.stats,
            PENDING,
            gr.update(value=None, label=VERSUS),
            gr.update(choices=[], value=None),
            WHOLE,
            gr.update(value=view.download, interactive=True),
            view.status,
        )

    @staticmethod
    def starting(state):  # Compress pressed: lock it and take the last result off the screen at once
        if state is not None:
            state.result = None
        return [gr.update(interactive=False)] + Steps.cleared("*Compressing…*")

    @staticmethod
    def unlock(state):  # the job has ended: Compress is usable again if there is still an image to code
        return gr.update(interactive=state is not None and state.rgb is not None)

    def compare(self, state):  # a generator: the table fills in row by row, while the image is still the same
        rows = on_compare(state)
        if rows is None:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        try:
            for table, found in guarded(rows, "comparing with the classical codecs"):
                if state.replaced:
                    yield gr.skip(), gr.skip(), gr.skip()
                    return
                state.found = found
                if found and not state.against_chosen:
                    state.against = found[-1].name  # AVIF once it is found (the stronger one), unless the user chose
                names = [(item.label, item.name) for item in found]
                yield table, self.versus(state), gr.update(choices=names, value=state.against)
        except gr.Error as exc:  # said in the panel, not raised: the step after this one unlocks Compress
            yield f"**{exc.message}**", gr.skip(), gr.skip()

    @staticmethod
    def versus(state):
        """The comparison slider: selgan against the chosen classical file, at the page's zoom."""
        item = next((f for f in state.found if f.name == state.against), None) if state is not None else None
        if item is None or state.result is None:
            return gr.update(value=None, label=VERSUS)
        pictures = [
            zoomed(image, state.center, state.zoom) for image in (state.result.recon, item.match.reconstruction)
        ]
        return gr.update(value=tuple(pictures), label=versus_label(state.result, item))

    @staticmethod
    def original_vs_selgan(state):
        if state is None or state.result is None or state.rgb is None:
            return gr.skip()
        return tuple(zoomed(image, state.center, state.zoom) for image in (state.rgb, state.result.recon))

    def set_zoom(self, state, zoom_name):
        if state is None:
            return gr.skip(), gr.skip()
        state.zoom = ZOOMS.get(zoom_name, 1)
        return self.original_vs_selgan(state), self.versus(state)

    def zoom_at(self, state, event: gr.SelectData):
        """A click on the preserved-mask picture: both sliders zoom on that spot (2× if they showed it whole)."""
        if state is None or state.rgb is None or state.result is None:
            return gr.skip(), gr.skip(), gr.skip()
        height, width = state.rgb.shape[:2]
        x, y = event.index[:2]
        state.center = (min(max(x / width, 0.0), 1.0), min(max(y / height, 0.0), 1.0))
        if state.zoom == 1:
            state.zoom = 2
        name = next(k for k, v in ZOOMS.items() if v == state.zoom)
        return name, self.original_vs_selgan(state), self.versus(state)

    def choose_against(self, state, name):
        if state is None:
            return gr.skip()
        state.against, state.against_chosen = name, True
        return self.versus(state)

    def compress_endpoint(self, image, preserve, model, seed, max_bytes):
        return user_errors("compressing")(api_compress)(
            image, preserve, model, seed, max_bytes, self.root, self.max_pixels
        )

    def cleanup(self, request: gr.Request) -> None:
        shutil.rmtree(session_dir(self.root, request), ignore_errors=True)


Steps.compress_endpoint.__doc__ = api_compress.__doc__
