"""Glue between integer probability tables and constriction's ANS coder.

Every stream here is a 2-D grid of symbols coded in wavefront order: all positions
on one anti-diagonal are coded in one batch, so their causal contexts (left, top,
top-right) are already known when the decoder reaches them. Probabilities are
integer frequency tables summing to 2**PRECISION; the coder sees them as exact
float64 ratios, so a file decodes to the same symbols on every machine.
"""

from __future__ import annotations

from collections.abc import Callable

import constriction
import numpy as np

from selgan.errors import BitstreamError

PRECISION = 16
# The ANS coder keeps up to 64 bits of its state beyond the bulk it has emitted and flushes it as whole 32-bit
# words, so a stream can be shorter than its symbols' information content by less than this many bytes.
ANS_SLACK_BYTES = 8
_MODEL = constriction.stream.model.Categorical(perfect=False)

# context_fn(grid, ys, xs) -> row indices into the frequency table for those positions
ContextFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def quantize_pmf(pmf: np.ndarray, precision: int = PRECISION) -> np.ndarray:
    """Float pmfs (rows) -> integer frequencies, each >= 1, each row summing to 2**precision."""
    pmf = np.asarray(pmf, dtype=np.float64)
    pmf = pmf / pmf.sum(axis=-1, keepdims=True)
    total = 1 << precision
    k = pmf.shape[-1]
    freq = np.floor(pmf * (total - k)).astype(np.int64) + 1
    # Hand the rounding remainder to each row's most probable symbol: deterministic, keeps every freq >= 1.
    deficit = total - freq.sum(axis=-1)
    rows = np.arange(freq.reshape(-1, k).shape[0])
    flat = freq.reshape(-1, k)
    flat[rows, flat.argmax(axis=-1)] += deficit.reshape(-1)
    return flat.reshape(pmf.shape).astype(np.uint32)


def wavefront(height: int, width: int, slope: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Positions grouped by t = x + slope*y, in increasing t (row-major inside a group)."""
    ys, xs = np.mgrid[0:height, 0:width]
    t = (xs + slope * ys).ravel()
    order = np.argsort(t, kind="stable")
    bounds = np.searchsorted(t[order], np.arange(t.max() + 2 if t.size else 1))
    ys, xs = ys.ravel()[order], xs.ravel()[order]
    return [(ys[a:b], xs[a:b]) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def encode_grid(grid: np.ndarray, valid: np.ndarray, table: np.ndarray, context_fn: ContextFn, slope: int) -> bytes:
    """Code grid[valid] in wavefront order with per-position rows of the frequency table."""
    symbols, probs = [], []
    for ys, xs in wavefront(*grid.shape, slope):
        keep = valid[ys, xs]
        ys, xs = ys[keep], xs[keep]
        if ys.size:
            symbols.append(grid[ys, xs])
            probs.append(table[context_fn(grid, ys, xs)])
    if not symbols:
        return b""
    encoder = constriction.stream.stack.AnsCoder()
    encoder.encode_reverse(np.concatenate(symbols).astype(np.int32), _MODEL, _as_probabilities(np.concatenate(probs)))
    return encoder.get_compressed().astype("<u4").tobytes()


def decode_grid(
    data: bytes, valid: np.ndarray, table: np.ndarray, context_fn: ContextFn, slope: int, fill: int
) -> np.ndarray:
    """Inverse of encode_grid; positions outside `valid` hold `fill`. Malformed data -> BitstreamError."""
    grid = np.full(valid.shape, fill, dtype=np.int64)
    if not valid.any():
        if data:
            raise BitstreamError("a stream holds data where none was expected")
        return grid
    if len(data) % 4:
        raise BitstreamError("a coded stream has a length that no encoder produces")
    try:
        decoder = constriction.stream.stack.AnsCoder(np.frombuffer(data, dtype="<u4").astype(np.uint32))
        for ys, xs in wavefront(*grid.shape, slope):
            keep = valid[ys, xs]
            ys, xs = ys[keep], xs[keep]
            if ys.size:
                probs = _as_probabilities(table[context_fn(grid, ys, xs)])
                grid[ys, xs] = decoder.decode(_MODEL, probs)
        leftover = not decoder.is_empty()
    except BitstreamError:
        raise
    except Exception as exc:  # constriction reports malformed input as ValueError/AssertionError
        raise BitstreamError(f"a coded stream is malformed ({exc})") from None
    if leftover:
        raise BitstreamError("a coded stream holds more data than its symbols need")
    return grid


def _as_probabilities(freq: np.ndarray) -> np.ndarray:
    return freq.astype(np.float64) / float(1 << PRECISION)


def neighbour(grid: np.ndarray, ys: np.ndarray, xs: np.ndarray, dy: int, dx: int, outside: int) -> np.ndarray:
    """grid[ys+dy, xs+dx], or `outside` where that falls off the grid."""
    yy, xx = ys + dy, xs + dx
    inside = (yy >= 0) & (xx >= 0) & (yy < grid.shape[0]) & (xx < grid.shape[1])
    values = np.full(ys.shape, outside, dtype=np.int64)
    values[inside] = grid[yy[inside], xx[inside]]
    return values
