"""What each encode effort buys (issue 31): bytes, PSNR, low-frequency PSNR and seconds of compress(effort=...),
against AVIF at 1/4 size given exactly the `fast` file's bytes.

Usage: python benchmarks/encode_effort.py [--model camvid-gc-c4] [--out docs/effort] [--camvid-stride 8]
Sets: the 8 Cityscapes frames at 1024×512, the dashcam photo of the demo (960×512), and CamVid val (every
`--camvid-stride`th frame from the first, 480×360). Labels come from the model's segmenter, as a user's would.
With a selective model also given (--selective camvid-sc-c8, its default preserve set) its preserved regions'
PSNR is measured at each effort on the CamVid frames. Writes OUT/effort.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

import selgan
from selgan.baselines import code_at_budget, get_baseline
from selgan.codec.refine import EFFORTS
from selgan.datasets import data_root
from selgan.demo import DEMO_IMAGE
from selgan.hardware import native_bf16
from selgan.imageio import load_rgb
from selgan.metrics import psnr, psnr_lowfreq
from selgan.segment.evaluate import labelled_frames

ROOT = Path(__file__).resolve().parents[1]


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def frames(camvid_stride: int, vocab) -> dict[str, list[tuple[str, np.ndarray]]]:
    """name -> [(frame name, RGB)] for each set."""
    city = labelled_frames("cityscapes", data_root() / "cityscapes_sample", "train", "cityscapes", vocab, (1024, 512))
    camvid = list(labelled_frames("camvid", data_root() / "camvid", "val", "camvid", vocab, (480, 360)))
    return {
        "cityscapes": [(f"aachen{i}", image) for i, (image, _) in enumerate(city)],
        "dashcam": [("dashcam", load_rgb(DEMO_IMAGE))],
        "camvid": [(f"val{i}", image) for i, (image, _) in enumerate(camvid) if i % camvid_stride == 0],
    }


def global_rows(codec, sets, efforts) -> list[dict]:
    """One row per image and effort; AVIF@1/4 at the fast file's bytes beside each."""
    avif, rows = get_baseline("avif"), []
    for set_name, images in sets.items():
        for name, rgb in images:
            labels = codec.segment(rgb)
            fast_bytes = None
            for effort in efforts:
                start = time.perf_counter()
                data = codec.compress(rgb, labels=labels, effort=effort, guard="off").to_bytes()
                seconds = time.perf_counter() - start
                recon = np.asarray(selgan.decompress(data))
                fast_bytes = fast_bytes or len(data)
                rows.append(
                    {
                        "set": set_name,
                        "image": name,
                        "effort": effort,
                        "bytes": len(data),
                        "psnr": psnr(rgb, recon),
                        "psnr_lowfreq": psnr_lowfreq(rgb, recon),
                        "seconds": seconds,
                    }
                )
            matched = code_at_budget(avif, rgb, fast_bytes, scale=4)
            if matched.reconstruction is not None:
                rows.append(
                    {
                        "set": set_name,
                        "image": name,
                        "effort": "avif@1/4",
                        "bytes": matched.num_bytes,
                        "psnr": psnr(rgb, matched.reconstruction),
                        "psnr_lowfreq": psnr_lowfreq(rgb, matched.reconstruction),
                        "seconds": float("nan"),
                    }
                )
            print(set_name, name, flush=True)
    return rows


def selective_rows(codec, images, efforts) -> list[dict]:
    """Preserved-region PSNR of the selective model's default set at each effort."""
    rows = []
    for name, rgb in images:
        labels = codec.segment(rgb)
        for effort in efforts:
            bitstream = codec.compress(rgb, labels=labels, preserve="default", effort=effort, guard="off")
            preserved = codec.preserved_mask(bitstream)
            recon = np.asarray(codec.decompress(bitstream))
            rows.append(
                {
                    "image": name,
                    "effort": effort,
                    "bytes": bitstream.num_bytes,
                    "psnr_preserved": psnr(rgb, recon, preserved) if preserved.any() else float("nan"),
                }
            )
    return rows


def mean(rows: list[dict], key: str) -> float:
    values = [r[key] for r in rows if not np.isnan(r[key])]
    return float(np.mean(values)) if values else float("nan")


def table(rows: list[dict], selective: list[dict], efforts, machine: str) -> str:
    lines = [
        f"Encode effort on {machine}; labels from the model's segmenter; AVIF@1/4 given exactly the fast file's bytes.",
        "",
        "| set | effort | images | bytes | PSNR dB | low-freq PSNR dB | encode s (median) |",
        "|---|---|---|---|---|---|---|",
    ]
    for set_name in dict.fromkeys(r["set"] for r in rows):
        for effort in [*efforts, "avif@1/4"]:
            chosen = [r for r in rows if r["set"] == set_name and r["effort"] == effort]
            if not chosen:
                continue
            seconds = float(np.median([r["seconds"] for r in chosen]))
            lines.append(
                f"| {set_name} | {effort} | {len(chosen)} | {mean(chosen, 'bytes'):.0f} | {mean(chosen, 'psnr'):.2f} | "
                f"{mean(chosen, 'psnr_lowfreq'):.2f} | {'—' if np.isnan(seconds) else f'{seconds:.1f}'} |"
            )
    if selective:
        lines += ["", "| selective, CamVid frames | effort | bytes | PSNR preserved dB |", "|---|---|---|---|"]
        for effort in efforts:
            chosen = [r for r in selective if r["effort"] == effort]
            lines.append(f"| | {effort} | {mean(chosen, 'bytes'):.0f} | {mean(chosen, 'psnr_preserved'):.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="camvid-gc-c4")
    parser.add_argument("--selective", default="camvid-sc-c8", help="'' to skip")
    parser.add_argument("--efforts", default=",".join(EFFORTS))
    parser.add_argument("--camvid-stride", type=int, default=8)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "effort")
    args = parser.parse_args()
    efforts = args.efforts.split(",")
    codec = selgan.load(args.model)
    sets = frames(args.camvid_stride, codec.model.vocab)
    rows = global_rows(codec, sets, efforts)
    selective = selective_rows(selgan.load(args.selective), sets["camvid"], efforts) if args.selective else []
    machine = f"{cpu_name()}, {torch.get_num_threads()} threads, native bf16: {native_bf16(torch.device('cpu'))}"
    text = table(rows, selective, efforts, machine)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "effort.md").write_text(text)
    (args.out / "effort.json").write_text(json.dumps({"rows": rows, "selective": selective}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
