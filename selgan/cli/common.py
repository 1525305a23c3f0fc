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


class StepBar:
    """compress(progress=...) for the command line: a bar on stderr over one file's refinement steps."""

    def __init__(self, label: str) -> None:
        self.label, self.bar = label, None

    def __call__(self, step: int, steps: int, seconds: float) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=steps, unit="step", desc=self.label, file=sys.stderr, leave=False)
        self.bar.update(step - self.bar.n)
        if step == steps:  # a budget or the guard may refine again: a new bar for that run
            self.bar.close()
            self.bar = None


def at_least_one(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
