"""A browser session's state (its image, segmentations, last result) and its files on the server."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr
import numpy as np

from selgan import Bitstream, Codec, SegMap


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
    effort: str = "fast"


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
    found: list = field(default_factory=list)  # the classical files of the last comparison (compare.Found)
    against: str | None = None  # the classical codec in the comparison slider
    against_chosen: bool = False  # the user picked it: later rows of the comparison do not change it
    zoom: int = 1  # the sliders show 1/zoom of the width and height ...
    center: tuple[float, float] = (0.5, 0.5)  # ... around this spot (shares of width and height)
    scene: str = ""  # what the scene check said of the image ("" when nothing)


def segmentation_of(session: Session, codec: Codec) -> SegMap:
    """The session's image segmented by the model's segmenter, computed once per segmenter."""
    key = codec.segmenter or ""
    if key not in session.segmaps:
        session.segmaps[key] = codec.segment(session.rgb)
    return session.segmaps[key]


def session_dir(root: Path, request: gr.Request | None) -> Path:
    """Per-session folder for downloads, removed when the session ends (see build_app's unload)."""
    key = getattr(request, "session_hash", None) or "local"
    path = root / "".join(c for c in key if c.isalnum())
    path.mkdir(parents=True, exist_ok=True)
    return path


def prune(folder: Path, max_age_s: float) -> None:
    """Remove the API's result folders older than max_age_s (Gradio has copied their files by then)."""
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age_s
    for child in folder.iterdir():
        if child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
