"""Fit a byte budget: the most preserving file, among a ladder of candidates, whose real size fits.

The ladder runs from least to most preserved (the label map alone; longer and longer prefixes of a
class priority list; the whole image with a small latent; with a larger one). A larger budget can
only move up the ladder, so it never preserves less; files are measured, never estimated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from selgan.bitstream import Bitstream
from selgan.errors import BudgetError


@dataclass(frozen=True)
class Rung:
    """One candidate file: what it preserves (for people), how to make it, and a floor on its size."""

    description: str
    make: Callable[..., Bitstream]  # make(): the file; make(effort, progress): its latent fitted (selgan.ladder)
    floor: Callable[[], int]  # bytes the file has at least, known without coding it


def parse_budget(text: str | int | float | None) -> int | None:
    """A byte budget as people write it: '1500', '1,500 B', '1.5 KB' (1000 bytes), '2 KiB' (1024) -> bytes;
    empty or None -> None. BudgetError for anything else, or for less than one byte."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _positive_budget(int(text), str(text))
    s = str(text).strip().replace("_", "").replace(" ", "")
    if not s:
        return None
    s = re.sub(r"^(\d{1,3}(?:,\d{3})+)(?=\D|$)", lambda m: m.group(1).replace(",", ""), s).replace(",", ".")
    match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)(b|bytes?|kb|k|kib|kbytes?)?", s, re.IGNORECASE)
    if not match:
        raise BudgetError(f"“{text}” is not a byte budget: write a number of bytes (1500) or kilobytes (1.5 KB).")
    unit = (match.group(2) or "b").lower()
    factor = 1024 if unit == "kib" else 1000 if unit.startswith("k") else 1
    return _positive_budget(int(float(match.group(1)) * factor), str(text))


def _positive_budget(value: int, text: str) -> int:
    if value < 1:
        raise BudgetError(f"“{text}” is not a byte budget: it must be at least 1 byte.")
    return value


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
    raise BudgetError(
        f"no file fits in {max_bytes} bytes: the smallest for this image is "
        f"{made[smallest].num_bytes} bytes ({rungs[smallest].description})"
    )
