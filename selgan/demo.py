"""`make demo`: a real street photo compressed twice (globally, and preserving people and vehicles),
decoded back, and set beside the best classical codec at the same file size in one picture."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from selgan.imageio import load_rgb, save_image_atomic, write_atomic
from selgan.metrics import psnr
from selgan.pipeline import Pipeline, best_classical, decode

ASSETS = Path(__file__).resolve().parent / "assets"
DEMO_IMAGE = ASSETS / "dashcam.png"  # comma2k19 (MIT, see assets/comma2k19_LICENSE.txt), bonnet cropped
DOCS_FIGURE = Path(__file__).resolve().parent.parent / "docs" / "demo.png"


def run(codec_name: str, image: np.ndarray, out: Path, stem: str, preserve: list[str] | None) -> dict:
    """Compress, write the .sgc, decode it from disk; sizes, quality and times."""
    bitstream, encode_s = Pipeline(codec_name).compress(image, preserve=preserve)
    sgc = out / f"{stem}.sgc"
    write_atomic(sgc, bitstream.to_bytes())
    decoded = decode(sgc.read_bytes())
    save_image_atomic(out / f"{stem}.png", Image.fromarray(decoded.reconstruction))
    return {
        "name": stem,
        "model": codec_name,
        "bytes": sgc.stat().st_size,
        "bpp": bitstream.bpp,
        "streams": bitstream.stream_sizes(),
        "psnr": psnr(image, decoded.reconstruction),
        "image": decoded.reconstruction,
        "mask": decoded.preserved if preserve else None,
        "encode_s": encode_s,
        "decode_s": decoded.seconds,
    }


def comparison(image: np.ndarray, panels: list[tuple[str, np.ndarray, np.ndarray | None]], path: Path) -> None:
    """Panels side by side (two per row), each titled; a preserved region is outlined in green."""
    h, w = image.shape[:2]
    title, cols = 28, 2
    rows = (len(panels) + cols - 1) // cols
    canvas = Image.new("RGB", (cols * w, rows * (h + title)), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (caption, pixels, mask) in enumerate(panels):
        x, y = (i % cols) * w, (i // cols) * (h + title)
        tile = Image.fromarray(pixels)
        if mask is not None:
            padded = np.pad(mask, 1, mode="edge")  # no wrap-around: the image border is not an edge
            edge = (mask != padded[:-2, 1:-1]) | (mask != padded[1:-1, :-2])
            outlined = np.array(tile)
            outlined[edge] = (0, 255, 0)
            tile = Image.fromarray(outlined)
        canvas.paste(tile, (x, y + title))
        draw.text((x + 8, y + 8), caption, fill="black")
    canvas.save(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("demo_out"))
    parser.add_argument("--global-model", default="camvid-gc-c4")
    parser.add_argument("--selective-model", default="camvid-sc-c8")
    parser.add_argument("--preserve", default="pedestrian,bicyclist,car")
    parser.add_argument("--docs", action="store_true", help=f"also copy the comparison to {DOCS_FIGURE} (the README's)")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    image = load_rgb(DEMO_IMAGE)
    pixels = image.shape[0] * image.shape[1]
    results = [
        run(args.global_model, image, args.output, "dashcam_global", None),
        run(args.selective_model, image, args.output, "dashcam_selective", args.preserve.split(",")),
    ]
    found = best_classical(image, results[0]["bytes"])
    classical = found and {
        "name": found.label,
        "bytes": found.num_bytes,
        "image": found.reconstruction,
        "psnr": psnr(image, found.reconstruction),
    }
    panels = [(f"original {image.shape[1]}x{image.shape[0]}", image, None)]
    panels += [
        (
            f"selgan {r['model']}{' (preserved: ' + args.preserve + ')' if r['mask'] is not None else ''}: "
            f"{r['bytes']} B, {r['bpp']:.3f} bpp, {r['psnr']:.1f} dB",
            r["image"],
            r["mask"],
        )
        for r in results
    ]
    if classical:
        panels.append(
            (
                f"{classical['name']} at the global file's size: {classical['bytes']} B, "
                f"{classical['bytes'] * 8 / pixels:.3f} bpp, {classical['psnr']:.1f} dB",
                classical["image"],
                None,
            )
        )
    figure = args.output / "comparison.png"
    comparison(image, panels, figure)
    if args.docs:
        shutil.copy(figure, DOCS_FIGURE)
    print(f"{DEMO_IMAGE.name}: {image.shape[1]}×{image.shape[0]} street photo (comma2k19, MIT)")
    print(f"{'file':<22} {'bytes':>6} {'bpp':>7} {'PSNR dB':>8} {'encode s':>9} {'decode s':>9}  streams (bytes)")
    for r in results:
        streams = ", ".join(f"{k} {v}" for k, v in r["streams"].items())
        print(
            f"{r['name'] + '.sgc':<22} {r['bytes']:>6} {r['bpp']:>7.4f} {r['psnr']:>8.2f} {r['encode_s']:>9.2f} "
            f"{r['decode_s']:>9.2f}  {streams}"
        )
    if classical:
        print(
            f"{classical['name']:<22} {classical['bytes']:>6} {classical['bytes'] * 8 / pixels:>7.4f} "
            f"{classical['psnr']:>8.2f}   (best of WebP/AVIF at full, 1/2, 1/4 size within the global file's bytes)"
        )
    print(f"wrote {args.output}/dashcam_global.sgc, dashcam_selective.sgc, their reconstructions (.png) and {figure}")


if __name__ == "__main__":
    main()
