"""Helpers the command modules share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def progress(items: list[Path]):
    """A progress bar on stderr over two or more items; the items themselves otherwise."""
    if len(items) < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, unit="image", file=sys.stderr)


def at_least_one(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
