"""Fit a byte budget: the most preserving file, among a ladder of candidates, whose real size fits.

The ladder runs from least to most preserved (the label map alone; longer and longer prefixes of a
class priority list; the whole image with a small latent; with a larger one). A larger budget can
only move up the ladder, so it never preserves less; files are measured, never estimated.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from selgan.bitstream import Bitstream
from selgan.errors import BudgetError


@dataclass(frozen=True)
class Rung:
    """One candidate file: what it preserves (for people) and how to make it."""

    description: str
    make: Callable[[], Bitstream]


def budget_bytes(max_bytes: int | None, target_bpp: float | None, width: int, height: int) -> int:
    """The byte budget from max_bytes or target_bpp (bits per pixel of this image), checked."""
    if (max_bytes is None) == (target_bpp is None):
        raise BudgetError("give one budget: max_bytes or target_bpp")
    if target_bpp is not None:
        if not target_bpp > 0:
            raise BudgetError(f"target_bpp must be a positive number of bits per pixel, got {target_bpp!r}")
        return int(target_bpp * width * height // 8)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise BudgetError(f"max_bytes must be a positive whole number of bytes, got {max_bytes!r}")
    return max_bytes


def choose(rungs: Sequence[Rung], max_bytes: int) -> tuple[Bitstream, Rung]:
    """The highest rung whose file has at most max_bytes (tried from the top); BudgetError naming the minimum."""
    sizes = []
    for rung in reversed(rungs):
        bitstream = rung.make()
        if bitstream.num_bytes <= max_bytes:
            return bitstream, rung
        sizes.append((bitstream.num_bytes, rung.description))
    smallest, what = min(sizes)
    raise BudgetError(f"no file fits in {max_bytes} bytes: the smallest for this image is {smallest} bytes ({what})")
