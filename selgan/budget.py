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
    """One candidate file: what it preserves (for people), how to make it, and a floor on its size."""

    description: str
    make: Callable[[], Bitstream]
    floor: Callable[[], int]  # bytes the file has at least, known without coding it


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
    """The highest rung whose file has at most max_bytes, tried from the top; BudgetError naming the minimum.

    A rung whose floor is over the budget cannot fit and is skipped without being coded, so small budgets
    do not pay for coding every larger candidate; the choice is the same as coding them all.
    """
    made: dict[int, Bitstream] = {}
    for index in reversed(range(len(rungs))):
        if rungs[index].floor() > max_bytes:
            continue
        made[index] = rungs[index].make()
        if made[index].num_bytes <= max_bytes:
            return made[index], rungs[index]
    # Nothing fits: find the smallest real file, coding only rungs whose floor could beat the best so far.
    smallest = min(made, key=lambda i: made[i].num_bytes) if made else None
    for index in sorted(range(len(rungs)), key=lambda i: rungs[i].floor()):
        if smallest is not None and rungs[index].floor() >= made[smallest].num_bytes:
            break
        if index not in made:
            made[index] = rungs[index].make()
        if smallest is None or made[index].num_bytes < made[smallest].num_bytes:
            smallest = index
    raise BudgetError(f"no file fits in {max_bytes} bytes: the smallest for this image is "
                      f"{made[smallest].num_bytes} bytes ({rungs[smallest].description})")
