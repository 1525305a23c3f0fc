"""Does a codec's realism depend on where its labels come from? KID on CamVid val, paired bootstrap over frames.

Each val frame is compressed to a real file and decoded once per label source: the CamVid annotations, and each
folder given with --labels (label PNGs named like the frames, e.g. `selgan segment .../val/*.png -o DIR`).
KID is computed as `selgan eval` does (Inception features of patches sized by `fid.patch_size`). The bootstrap
resamples frames, the same frames for every source, so the interval is that of the difference, not of each KID
alone.
Usage: python benchmarks/kid_label_sources.py --labels DIR [--labels DIR2] [--model camvid-sc-c8]
       [--preserve pedestrian,car,bicyclist,signsymbol] [--limit N] [--resamples 200]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

import selgan
from selgan.datasets import camvid_pairs, data_root
from selgan.eval import fid
from selgan.segment.labelfile import read_label_png

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, action="append", default=[], help="folder of label PNGs (repeatable)")
    parser.add_argument("--model", default="camvid-sc-c8")
    parser.add_argument(
        "--preserve",
        default="pedestrian,car,bicyclist,signsymbol",
        help="classes to preserve (empty for a global model)",
    )
    parser.add_argument("--data", type=Path, default=data_root() / "camvid")
    parser.add_argument("--limit", type=int, default=None, help="first N val frames")
    parser.add_argument("--resamples", type=int, default=200)
    args = parser.parse_args()

    codec = selgan.load(args.model)
    preserve = [name for name in args.preserve.split(",") if name] or None
    pairs = camvid_pairs(args.data, "val")[: args.limit]
    sources = {"annotations": lambda image, annotation: annotation}
    sources.update({str(folder): (lambda image, _, folder=folder: folder / image.name) for folder in args.labels})
    real: list[np.ndarray] = []
    decoded: dict[str, list[np.ndarray]] = {name: [] for name in sources}
    for image_path, annotation in pairs:
        image = np.asarray(Image.open(image_path).convert("RGB"))
        size = fid.patch_size(image)
        real.append(fid.features(fid.patches(image, size)))
        for name, label_path in sources.items():
            labels = read_label_png(label_path(image_path, annotation), codec.model.vocab)
            coded = codec.compress(image, labels=labels, preserve=preserve)
            decoded[name].append(fid.features(fid.patches(np.asarray(codec.decompress(coded.to_bytes())), size)))

    def kid(frames: np.ndarray, name: str, **options: int) -> float:
        return fid.kid(
            np.concatenate([real[i] for i in frames]), np.concatenate([decoded[name][i] for i in frames]), **options
        )

    everything = np.arange(len(pairs))
    print(f"{args.model} on {len(pairs)} CamVid val frames, preserve {args.preserve or '(global)'}")
    for name in sources:
        print(f"KID, labels from {name}: {kid(everything, name):.4f}")
    rng = np.random.default_rng(0)
    differences: dict[str, list[float]] = {name: [] for name in sources if name != "annotations"}
    for _ in range(args.resamples):
        frames = rng.integers(0, len(pairs), len(pairs))
        reference = kid(frames, "annotations", subsets=10)
        for name in differences:
            differences[name].append(kid(frames, name, subsets=10) - reference)
    for name, values in differences.items():
        low, high = np.percentile(values, [2.5, 97.5])
        print(f"KID({name}) - KID(annotations): mean {np.mean(values):+.4f}, 95 % interval [{low:+.4f}, {high:+.4f}]")


if __name__ == "__main__":
    main()
