"""Choose among training checkpoints by KID and mIoU on val frames disjoint from those the README reports.

Usage:
  python benchmarks/select_checkpoint.py CKPT... --out ~/selgan-runs/select-gc-c4 [--reference camvid-gc-c4]
      [--preserve default] [--data ../shared/data/camvid] [--stride 4 --offset 2]

Each checkpoint is exported as shipped (EMA weights when the run kept them, fitted coding tables, fp16) into
OUT/zoo, then evaluated alone, on real files, with `selgan eval --stride 4 --offset 2`: every 4th val frame
starting at the third, so none of them is among the README's `--stride 4` frames and choosing here does not
flatter the reported figures. `--reference` adds shipped models (from pretrained/) on the same frames.
Writes OUT/selection.md and OUT/selection.json; lower KID is better, higher mIoU is better.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from selgan.datasets import data_root

ROOT = Path(__file__).resolve().parents[1]


def selgan(args: list[str], pretrained: Path) -> None:
    env = {**os.environ, "SELGAN_HOME": str(pretrained), "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "selgan", *args], check=True, env=env, stdout=subprocess.DEVNULL)


def candidate_name(checkpoint: Path) -> str:
    """run folder + snapshot name: ~/selgan-runs/gc-c4e/snaps/0950.pt -> gc-c4e-0950."""
    run = checkpoint.parent.parent if checkpoint.parent.name == "snaps" else checkpoint.parent
    return f"{run.name}-{checkpoint.stem}"


def make_zoo(out: Path, segmenter: str) -> Path:
    """A zoo folder holding the shipped segmenter, so exported candidates are evaluated with the same one."""
    zoo = out / "zoo"
    zoo.mkdir(parents=True, exist_ok=True)
    manifest_file = zoo / "manifest.json"
    shipped = json.loads((ROOT / "pretrained" / "manifest.json").read_text())["models"][segmenter]
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {"models": {}}
    manifest["models"][segmenter] = shipped
    manifest_file.write_text(json.dumps(manifest, indent=2))
    link = zoo / shipped["file"]
    if not link.exists():
        link.symlink_to(ROOT / "pretrained" / shipped["file"])
    return zoo


def evaluate(name: str, pretrained: Path, out: Path, opts: argparse.Namespace) -> dict:
    report = out / "eval" / name
    if not (report / "summary.json").exists():
        argv = [
            "eval",
            "--model",
            name,
            "--data",
            str(opts.data),
            "--stride",
            str(opts.stride),
            "--offset",
            str(opts.offset),
            "--baselines",
            "",
            "--curve-images",
            "0",
            "--out",
            str(report),
        ]
        selgan(argv + (["--preserve", opts.preserve] if opts.preserve else []), pretrained)
    row = next(r for r in json.loads((report / "summary.json").read_text()) if r["codec"] == "selgan")
    return {
        "name": name,
        **{k: row[k] for k in ("bpp", "psnr", "psnr_preserved", "kid", "fid", "miou_gt", "miou_self")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoints", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--reference", action="append", default=[], help="a shipped model to score on the same frames")
    parser.add_argument("--preserve", help="evaluate selectively (e.g. 'default'); global otherwise")
    parser.add_argument("--data", type=Path, default=data_root() / "camvid")
    parser.add_argument("--stride", type=int, default=4)
    parser.add_argument("--offset", type=int, default=2)
    parser.add_argument("--segmenter", default="camvid-seg")
    parser.add_argument(
        "--train-data",
        type=Path,
        help="where the runs' training data is on this machine, if they were trained elsewhere (export --data)",
    )
    opts = parser.parse_args()
    zoo = make_zoo(opts.out, opts.segmenter)
    rows = [{**evaluate(name, ROOT / "pretrained", opts.out, opts), "step": "shipped"} for name in opts.reference]
    for checkpoint in opts.checkpoints:
        name = candidate_name(checkpoint)
        step = torch.load(checkpoint, map_location="cpu", weights_only=True, mmap=True)["step"]
        if not (zoo / f"{name}.safetensors").exists():
            data = ["--data", str(opts.train_data)] if opts.train_data else []
            selgan(
                [
                    "export",
                    str(checkpoint),
                    "-o",
                    str(zoo / name),
                    "--segmenter",
                    opts.segmenter,
                    *data,
                    "--eval-images",
                    "1",
                    "--description",
                    f"candidate {name} (step {step})",
                ],
                zoo,
            )
        rows.append({**evaluate(name, zoo, opts.out, opts), "step": step})
        print(json.dumps(rows[-1]), flush=True)
    (opts.out / "selection.json").write_text(json.dumps(rows, indent=1))
    lines = [
        f"# Candidates on CamVid val, every {opts.stride}th frame from #{opts.offset} (model only, real files)",
        "",
        "| candidate | step | bpp | PSNR dB | KID | FID | mIoU vs GT | mIoU vs original's labels |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: r["kid"]):
        lines.append(
            f"| {r['name']} | {r['step']} | {r['bpp']:.4f} | {r['psnr']:.2f} | {r['kid']:.4f} | {r['fid']:.1f} "
            f"| {r['miou_gt']:.4f} | {r['miou_self']:.4f} |"
        )
    (opts.out / "selection.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
