"""Messages a person can read: selgan's errors as one plain line without server paths, uploads read with the
user's file name, the byte-budget box."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import wraps
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from selgan import budget
from selgan.errors import ImageError, SelganError
from selgan.imageio import load_rgb

log = logging.getLogger("selgan.app")
DEFAULT_MAX_PIXELS = 2_100_000  # about 1920×1080; decoding cost grows with the area
MIN_SIDE = 16  # smaller images have no room for one latent cell; they are refused with a message

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
                raise gr.Error(
                    f"Something went wrong while {doing}. The details are in the server's log; "
                    "please try again, or with another image.",
                    print_exception=False,
                ) from None

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
        raise gr.Error(
            f"{filename} is {width}×{height} pixels: selgan needs at least {MIN_SIDE}×{MIN_SIDE}.",
            print_exception=False,
        )
    if height * width > max_pixels:
        scale = (max_pixels / (height * width)) ** 0.5
        size = (max(MIN_SIDE, int(width * scale)), max(MIN_SIDE, int(height * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))
        gr.Warning(
            f"{filename} is {width}×{height}; it was downscaled to {size[0]}×{size[1]} (limit {max_pixels:,} pixels)."
        )
    return rgb, filename


@user_errors("reading the byte budget")
def parse_budget(text: str | float | None) -> int | None:
    """The budget box: '1500', '1,500 B', '1.5 KB' (1000 bytes) or '2 KiB' (1024) -> bytes; empty -> None
    (selgan.budget.parse_budget, its errors as one UI message)."""
    return budget.parse_budget(text)
