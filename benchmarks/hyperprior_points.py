"""Rate points of the learned MSE baseline on CamVid val: mean real bpp and PSNR per point and resolution.

Usage: python benchmarks/hyperprior_points.py [WEIGHTS] [--data ../shared/data/camvid] [--stride 4]
Prints a markdown table (the camvid-hyperprior card's).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from selgan.baselines import LEARNED, resize
from selgan.datasets import camvid_pairs, data_root
from selgan.hyperprior import load
from selgan.imageio import load_rgb
from selgan.metrics import psnr
from selgan.zoo import get_spec, weights_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", nargs="?", type=Path, help="default: the shipped camvid-hyperprior")
    parser.add_argument("--data", type=Path, default=data_root() / "camvid")
    parser.add_argument("--stride", type=int, default=4)
    args = parser.parse_args()
    family = load(args.weights or weights_path(get_spec(LEARNED["hyperprior"], kind="baseline")))
    images = [load_rgb(p) for p, _ in camvid_pairs(args.data, "val")[:: args.stride]]
    print(f"{len(images)} CamVid val frames (every {args.stride}th), real files\n")
    print("| rate point | λ | resolution | mean bytes | mean bpp | PSNR dB |")
    print("|---|---|---|---|---|---|")
    for point, lmbda in enumerate(family.lambdas):
        for scale in (1, 2, 4):
            sizes, scores = [], []
            for image in images:
                data = family.encode(resize(image, scale, down=True), point)
                recon = resize(family.decode(data), scale, down=False, size=image.shape[1::-1])
                sizes.append(len(data))
                scores.append(psnr(image, recon))
            h, w = images[0].shape[:2]
            label = "full" if scale == 1 else f"1/{scale}"
            print(
                f"| {point} | {lmbda} | {label} | {np.mean(sizes):.0f} | {np.mean(sizes) * 8 / (h * w):.4f} | "
                f"{np.mean(scores):.2f} |"
            )


if __name__ == "__main__":
    main()
