"""What the page shows, as pictures and Markdown: the segmentation with unsure labels hatched, its legend and
class choices, the preserved mask, the result's statistics; and the class names a preset ticks."""

from __future__ import annotations

import html

import numpy as np
from PIL import Image

from selgan import Bitstream, Codec, SegMap
from selgan.metrics import psnr
from selgan.scene import SceneCheck
from selgan.segment.segmap import UNSURE_BELOW

KEEP_COLOR, SYNTH_COLOR = (0, 255, 0), (255, 0, 255)  # brush colours that add/remove preserved regions
PRESETS = {
    "people and vehicles": (
        "pedestrian",
        "person",
        "rider",
        "bicyclist",
        "car",
        "truck",
        "bus",
        "train",
        "motorcycle",
        "bicycle",
    ),
    "everything but sky and road": "all-but:sky,road",
    "nothing — fully generative": "nothing",
    "everything — global": "all",
}


def selectable(codec: Codec) -> list[tuple[int, str]]:
    """(id, name) of the classes a user can preserve or paint: the vocabulary without its ignore id."""
    ignore = codec.vocabulary.ignore_id
    return [(i, n) for i, n in enumerate(codec.class_names) if i != ignore]


def selectable_names(codec: Codec) -> list[str]:
    return [n for _, n in selectable(codec)]


def preset_classes(preset: str, codec: Codec) -> list[str]:
    """The codec's class names a preset ticks: a preserve keyword (selgan.select.parse_preserve), or names of
    any vocabulary of which those the codec knows."""
    rule = PRESETS[preset]
    if isinstance(rule, tuple):
        return [n for n in selectable_names(codec) if n.lower() in rule]
    chosen = codec.preserve_set(rule)
    return selectable_names(codec) if chosen.whole else [codec.class_names[i] for i in chosen.classes]


def default_ticks(codec: Codec) -> list[str]:
    """The model's own preserve set (its card's default), else people and vehicles."""
    if codec.default_preserve:
        ids = codec.class_ids(codec.default_preserve)
        return [n for i, n in selectable(codec) if i in ids]
    return preset_classes("people and vehicles", codec)


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
        rows.append(
            f'<li><span style="display:inline-block;width:1em;height:1em;background:rgb{share.color};'
            f'border:1px solid #888;vertical-align:middle"></span> {html.escape(share.name)} '
            f"<b>{share_text(share.share, 1)}</b>{flag}</li>"
        )
    note = ""
    if unsure.any():
        note = (
            f'<p class="selgan-unsure">Hatched: labels the segmenter is less than {UNSURE_BELOW:.0%} sure of '
            f"({share_text(float(unsure.mean()))} of the image). Check them before compressing: paint the "
            "right class colour over a wrong label, or green to preserve a region whatever its label.</p>"
        )
    return note + f'<ul class="selgan-legend" style="list-style:none;padding-left:0;columns:2">{"".join(rows)}</ul>'


def class_choices(codec: Codec, segmap: SegMap | None) -> list[tuple[str, str]]:
    """(label, value) per selectable class; classes in the image carry their share."""
    present = {s.name: s.share for s in segmap.classes_present()} if segmap is not None else {}
    return [(f"{n} ({share_text(present[n])})" if n in present else n, n) for n in selectable_names(codec)]


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


def brush_colors(codec: Codec) -> list[tuple[int, int, int]]:
    """Brush palette: keep, synthesise, then one colour per selectable class."""
    palette = codec.vocabulary.palette()
    return [KEEP_COLOR, SYNTH_COLOR] + [tuple(int(v) for v in palette[i]) for i, _ in selectable(codec)]


def mask_overlay(rgb: np.ndarray, preserved: np.ndarray) -> Image.Image:
    """Synthesised pixels tinted magenta, preserved pixels as they are."""
    out = rgb.astype(np.float64)
    out[~preserved] = out[~preserved] * 0.45 + np.asarray(SYNTH_COLOR) * 0.55
    return Image.fromarray(out.round().astype(np.uint8))


def region_psnr(rgb: np.ndarray, image: np.ndarray, region: np.ndarray) -> str:
    """PSNR over the region as text; '—' for an empty region."""
    return f"{psnr(rgb, image, region):.2f} dB" if region.any() else "—"


def stats_markdown(
    name: str,
    bitstream: Bitstream,
    how: str,
    encode_s: float,
    decode_s: float,
    rgb: np.ndarray,
    recon: np.ndarray,
    preserved: np.ndarray,
    budget: int | None = None,
) -> str:
    """File size, bpp, budget, bytes per stream, what was preserved/synthesised, timings and quality (Markdown)."""
    sizes = bitstream.stream_sizes()
    rows = [
        ("image", f"{html.escape(name)} ({bitstream.width}×{bitstream.height}), model {bitstream.model_id}"),
        ("file", f"**{bitstream.num_bytes:,} B**, **{bitstream.bpp:.4f} bpp**"),
    ]
    if budget is not None:
        over = bitstream.num_bytes - budget
        rows.append(
            (
                "budget",
                f"{budget:,} B: "
                + ("fits" if over <= 0 else f"**over by {over:,} B** (your choices override the budget)"),
            )
        )
    streams = dict.fromkeys(("header", "labels", "mask", "latent", *sizes))  # the usual ones, then any other
    rows += [(stream, f"{sizes[stream]:,} B" if stream in sizes else "— (not stored)") for stream in streams]
    rows += [
        ("selection", html.escape(how)),
        ("preserved", f"{preserved.mean():.0%} of pixels, coded at the model's rate"),
        ("synthesised", f"{1 - preserved.mean():.0%} of pixels, painted from the label map"),
        ("encode", f"{encode_s:.2f} s"),
        ("decode", f"{decode_s:.2f} s"),
        ("PSNR (preserved region)", region_psnr(rgb, recon, preserved)),
        (
            "PSNR (whole image)",
            f"{psnr(rgb, recon):.2f} dB"
            + (" (synthesised regions are not meant to match pixel by pixel)" if not preserved.all() else ""),
        ),
    ]
    head, *rest = rows
    return f"| {head[0]} | {head[1]} |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rest)


def global_models(names: list[str], codec_of) -> list[str]:
    """The models that code the whole photo (no default preserve set), fewest latent channels first."""
    codecs = [codec_of(n) for n in names]
    whole = [c for c in codecs if not c.default_preserve]
    return [c.model_id for c in sorted(whole, key=lambda c: c.model.latent_model.latent_channels)]


def scene_markdown(check: SceneCheck, codec: Codec, safer: list[str]) -> str:
    """The scene check's warning and what to do instead, in plain words; empty when the photo passes.

    safer: the global models, the first one suggested to selective users."""
    if not check.doubtful:
        return ""
    if not codec.default_preserve:  # a global file paints nothing: the labels only shape its bits
        return (
            f'<div class="selgan-scene">ⓘ This photo may be outside what the models know: '
            f"{'; '.join(html.escape(r) for r in check.reasons())}. {html.escape(codec.model_id)} codes the whole "
            "photo, so nothing is painted from the labels; a selective model would paint from them.</div>"
        )
    instead = f"the global model <b>{html.escape(safer[0])}</b> (it paints nothing) or " if safer else ""
    return (
        f'<div class="selgan-scene">⚠ <b>This photo may be outside what the models know</b>: '
        f"{'; '.join(html.escape(r) for r in check.reasons())}. The models learnt daylight street scenes, so the "
        f"labels may be wrong, and a selective file paints its synthesised regions from them. Safer: {instead}"
        "preserving more (tick classes, or paint green).</div>"
    )


def model_help(sizes: list[tuple[str, str, int | None]]) -> str:
    """What each model is for, with what this photo costs in it ((name, what, bytes or None) per model)."""
    rows = [
        f"| {html.escape(name)} | {what} | {'—' if size is None else f'{size:,} B'} |" for name, what, size in sizes
    ]
    return (
        "| model | what it codes | this photo (effort fast) |\n|---|---|---|\n"
        + "\n".join(rows)
        + "\n\n*gc*: global, the whole photo is coded and nothing is painted. *sc*: selective, the ticked classes are "
        "coded and the rest is painted from the label map. *c4*/*c8*: latent channels per 16×16 block (more "
        "channels keep more detail, for more bytes)."
    )


def describe_model(codec: Codec) -> str:
    """One model in a few words, for the model table."""
    if codec.default_preserve:
        names = [codec.class_names[i] for i in codec.class_ids(codec.default_preserve)]
        return f"selective: codes {', '.join(names)} by default, paints the rest"
    return "global: the whole photo"
