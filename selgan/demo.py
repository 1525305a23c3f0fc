"""`make demo`: compress the bundled street scene preserving people and cars, and decode it back."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import selgan
from selgan.metrics import psnr
from selgan.imageio import load_rgb, save_png_atomic, write_atomic

ASSETS = Path(__file__).resolve().parent / "assets"
DEMO_IMAGE = ASSETS / "demo_street.png"
DEMO_LABELS = ASSETS / "demo_street_labels.png"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="camvid-sc-c8")
    parser.add_argument("--preserve", default="pedestrian,car")
    parser.add_argument("-o", "--output", type=Path, default=Path("demo_out"))
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)

    codec = selgan.load(args.model)
    start = time.perf_counter()
    bitstream = codec.compress(DEMO_IMAGE, preserve=args.preserve.split(","), labels=DEMO_LABELS)
    encoded = time.perf_counter()
    sgc = args.output / "demo_street.sgc"
    write_atomic(sgc, bitstream.to_bytes())
    decoded_start = time.perf_counter()
    reconstruction = selgan.decompress(sgc)
    decoded = time.perf_counter()
    png = args.output / "demo_street_reconstruction.png"
    save_png_atomic(png, reconstruction)

    quality = psnr(load_rgb(DEMO_IMAGE), np.asarray(reconstruction))
    pixels = bitstream.width * bitstream.height
    print(f"model {args.model}, preserving {args.preserve}; {bitstream.width}×{bitstream.height} image")
    for name, size in bitstream.stream_sizes().items():
        print(f"  {name:<8} {size:>6} bytes  {size * 8 / pixels:.4f} bpp")
    print(f"  {'total':<8} {sgc.stat().st_size:>6} bytes  {bitstream.bpp:.4f} bpp (file size on disk)")
    print(f"PSNR {quality:.2f} dB over the whole image; encode {encoded - start:.2f} s, decode {decoded - decoded_start:.2f} s")
    print(f"wrote {sgc} and {png}")


if __name__ == "__main__":
    main()
