"""Decode time of corrupted .sgc files: the distribution behind the fuzz tests' hang bound.

Corrupts real files made by a shipped model (truncations, bit flips with and without a re-signed
checksum, spliced garbage) and times selgan.decompress on each; prints percentiles and the outcomes.
Usage: python benchmarks/fuzz_timing.py [--model camvid-gc-c4] [--cases 1000]
"""

from __future__ import annotations

import argparse
import struct
import time
import zlib
from pathlib import Path

import numpy as np

import selgan

ROOT = Path(__file__).resolve().parents[1]


def resign(data: bytes) -> bytes:
    body = data[:-4]
    return body + struct.pack("<I", zlib.crc32(body))


def corrupt(data: bytes, rng: np.random.Generator) -> bytes:
    kind = rng.integers(4)
    if kind == 0:
        return data[: rng.integers(len(data))]
    flipped = bytearray(data)
    for _ in range(rng.integers(1, 4)):
        bit = rng.integers(len(data) * 8)
        flipped[bit // 8] ^= 1 << (bit % 8)
    if kind == 1:
        return bytes(flipped)
    if kind == 2:
        return resign(bytes(flipped))
    at = rng.integers(len(data) - 4)
    return resign(data[:at] + rng.bytes(rng.integers(1, 2000)) + data[at:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="camvid-gc-c4")
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    codec = selgan.load(args.model)
    image = ROOT / "tests" / "golden" / "input.png"  # the golden files' input and its committed label map
    labels = ROOT / "tests" / "golden" / "input_labels.png"
    files = [codec.compress(image, labels=labels, preserve=p).to_bytes() for p in (None, ["car", "pedestrian"])]
    selgan.decompress(files[0])  # load the model outside the timings
    rng = np.random.default_rng(0)
    times, outcomes = [], {"BitstreamError": 0, "decoded": 0}
    for i in range(args.cases):
        data = corrupt(files[i % len(files)], rng)
        start = time.perf_counter()
        try:
            selgan.decompress(data)
            outcomes["decoded"] += 1
        except selgan.BitstreamError:
            outcomes["BitstreamError"] += 1
        times.append(time.perf_counter() - start)
    t = np.array(times) * 1000
    print(f"{args.cases} corrupted files of tests/golden/input.png: {outcomes}")
    print(f"decode time ms: median {np.median(t):.1f}, p99 {np.percentile(t, 99):.1f}, max {t.max():.1f}")


if __name__ == "__main__":
    main()
