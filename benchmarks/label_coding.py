"""Label-map coding: selgan's learned context coder vs JPEG XL lossless, WebP lossless and PNG.

All codecs code the same maps: CamVid val labels at the stored resolution (1/8, weighted-mode
downsampling), one byte per label. Every file is decoded back and checked to be lossless.
The labels are CamVid's annotations, or with --labels a segmenter's (`selgan segment .../val/*.png -o DIR`).
Usage: python benchmarks/label_coding.py [--model camvid-gc-c4] [--data ../shared/data/camvid] [--labels DIR]
       [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import imagecodecs
import numpy as np
from PIL import Image

import selgan
from selgan.datasets import camvid_pairs, data_root
from selgan.segment.labelfile import read_label_png


def png_bytes(labels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(labels.astype(np.uint8), mode="L").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def webp_bytes(labels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(labels.astype(np.uint8), mode="L").convert("RGB").save(
        buffer, format="WEBP", lossless=True, quality=100, method=6
    )
    return buffer.getvalue()


def jxl_bytes(labels: np.ndarray) -> bytes:
    return imagecodecs.jpegxl_encode(labels.astype(np.uint8), lossless=True, effort=9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="camvid-gc-c4")
    parser.add_argument("--data", type=Path, default=data_root() / "camvid")
    parser.add_argument(
        "--labels", type=Path, help="folder of label PNGs named like the val images (default: annotations)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    model = selgan.load(args.model).model
    pairs = camvid_pairs(args.data, "val")
    if args.labels:
        full = (read_label_png(args.labels / image.name, model.vocab) for image, _ in pairs)
    else:
        full = (np.asarray(Image.open(lab), dtype=np.int64) for _, lab in pairs)
    maps = model.stored_label_maps(full)
    totals = {"selgan": 0, "jpegxl-lossless": 0, "webp-lossless": 0, "png": 0}
    for labels in maps:
        ours = model.label_model.encode(labels)
        assert (model.label_model.decode(ours, labels.shape) == labels).all()
        jxl = jxl_bytes(labels)
        assert (imagecodecs.jpegxl_decode(jxl) == labels).all()
        webp = webp_bytes(labels)
        assert (np.asarray(Image.open(io.BytesIO(webp)))[..., 0] == labels).all()
        png = png_bytes(labels)
        for name, data in zip(totals, (ours, jxl, webp, png)):
            totals[name] += len(data)
    n, shape = len(maps), maps[0].shape
    print(
        f"CamVid val, labels from {args.labels or 'the annotations'}: {n} label maps at {shape[1]}×{shape[0]} "
        f"(1/{model.label_downsample} of 480×360)"
    )
    print(f"{'codec':<18}{'mean bytes':>12}{'bpp of 480×360':>16}{'vs selgan':>11}")
    for name, total in totals.items():
        print(f"{name:<18}{total / n:>12.1f}{total * 8 / n / (480 * 360):>16.5f}{total / totals['selgan']:>10.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"images": n, "mean_bytes": {k: v / n for k, v in totals.items()}}, indent=2))


if __name__ == "__main__":
    main()
