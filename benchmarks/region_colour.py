"""Issue 22: does the colours stream (format version 2) pay for its bytes in selective files?

For each image, code it selectively (the model's default preserve set) and decode the file twice: as
written, and with its colours stream removed (what version 1 gave: the generator's own colours). The
stream holds the mean colour of every synthesised class region, 5 bits per channel, two bytes per class
(the decoder knows which classes from the label map it already has; selgan/codec/colours.py). Reports
its bytes and what it changes in the synthesised regions: PSNR, low-frequency PSNR (16× area average)
and the error of the synthesised area's mean colour.

Usage: python benchmarks/region_colour.py [--model camvid-sc-c8] [--out docs/results/region_colour.md]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

import selgan
from selgan.bitstream import Bitstream
from selgan.datasets import camvid_pairs, cityscapes_pairs, data_root
from selgan.labels.vocab import get_mapping
from selgan.metrics import psnr, psnr_lowfreq

ROOT = Path(__file__).resolve().parents[1]
DATA = data_root()


def frames():
    """(set name, image, labels in CamVid ids): CamVid val every 4th frame, the Cityscapes sample at 1024×512."""
    for image, labels in camvid_pairs(DATA / "camvid", "val")[::4]:
        yield (
            "CamVid val",
            np.asarray(Image.open(image).convert("RGB")),
            np.asarray(Image.open(labels)).astype(np.int64),
        )
    mapping = get_mapping("cityscapes", "camvid")
    for image, labels in cityscapes_pairs(DATA / "cityscapes_sample", "train"):
        rgb = np.asarray(Image.open(image).convert("RGB").resize((1024, 512), Image.BICUBIC))
        yield (
            "Cityscapes",
            rgb,
            mapping(np.asarray(Image.open(labels).resize((1024, 512), Image.NEAREST)).astype(np.int64)),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="camvid-sc-c8")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "region_colour.md")
    args = parser.parse_args()
    codec = selgan.load(args.model)
    results: dict[str, list[dict]] = {}
    for name, image, labels in frames():
        bitstream = codec.compress(image, labels=labels, preserve="default")
        fixed = np.asarray(codec.decompress(bitstream))
        without = Bitstream(
            **{**bitstream.__dict__, "streams": {k: v for k, v in bitstream.streams.items() if k != "colours"}}
        )
        recon = np.asarray(codec.decompress(without))
        synthesised = ~codec.preserved_mask(bitstream)

        def mean_error(r, image=image, synthesised=synthesised):
            return float(np.abs(image[synthesised].mean(0) - r[synthesised].mean(0)).mean())

        results.setdefault(name, []).append(
            {
                "bytes": without.num_bytes,
                "side_bytes": len(bitstream.streams.get("colours", b"")),
                "psnr_synth": psnr(image, recon, synthesised),
                "psnr_synth_fixed": psnr(image, fixed, synthesised),
                "lowfreq": psnr_lowfreq(image, recon),
                "lowfreq_fixed": psnr_lowfreq(image, fixed),
                "colour_error": mean_error(recon),
                "colour_error_fixed": mean_error(fixed),
            }
        )
    lines = [
        f"# Per-region mean colours as a side stream ({args.model}, default preserve set)",
        "",
        "`python benchmarks/region_colour.py`: each file decoded as written and without its colours stream.",
        "",
        "| frames | images | file B | side stream B | PSNR synthesised dB (with) | low-freq PSNR dB (with) | "
        "mean colour error of the synthesised area, grey levels (with) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rows in results.items():
        m = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        lines.append(
            f"| {name} | {len(rows)} | {m['bytes']:.0f} | +{m['side_bytes']:.0f} "
            f"({100 * m['side_bytes'] / m['bytes']:.0f}%) | {m['psnr_synth']:.2f} ({m['psnr_synth_fixed']:.2f}) | "
            f"{m['lowfreq']:.2f} ({m['lowfreq_fixed']:.2f}) | {m['colour_error']:.1f} ({m['colour_error_fixed']:.1f}) |"
        )
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
