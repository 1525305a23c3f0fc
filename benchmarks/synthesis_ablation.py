"""Issue 30's ablation: what each recipe paints in synthesised regions, in domain and on another camera.

Usage:
  python benchmarks/synthesis_ablation.py NAME=CHECKPOINT ... [--shipped camvid-sc-c8] --out docs/synthesis
      [--frames heldout|report]

Each checkpoint is exported as shipped (EMA weights, fitted coding tables, fp16) into OUT/zoo and evaluated
selectively (the default preserve set: pedestrian, car, bicyclist, sign) on real files with `selgan eval`'s
library, beside the shipped model(s) named by --shipped:
- CamVid val: `--frames heldout` (the default, for choosing) takes the odd frames, which no reported table
  uses; `--frames report` the even ones (every 2nd frame, the issue's targets);
- the 8 Cityscapes frames at 1024×512 (another camera; annotations mapped to CamVid's classes).
Columns: bpp; KID; the segmenter's mIoU inside synthesised regions; low-frequency PSNR inside synthesised
regions; the periodic-artefact ratio (selgan.metrics.periodic_peaks, reconstruction over original) per class.
Writes OUT/results.json, OUT/README-table.md and OUT/crops.png (synthesised windows, one row per model).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
PRESERVE = "pedestrian,car,bicyclist,signsymbol"
CLASSES = ("tree", "building", "road", "pavement", "sky")
SETS = {  # name -> EvalSpec options
    "camvid": {"layout": "camvid", "split": "val"},
    "cityscapes": {"layout": "cityscapes", "split": "train", "size": (1024, 512)},
}


def make_zoo(out: Path, shipped: list[str]) -> Path:
    """OUT/zoo: a manifest with the shipped segmenter and shipped models (linked), for the exported candidates."""
    zoo = out / "zoo"
    zoo.mkdir(parents=True, exist_ok=True)
    manifest_file = zoo / "manifest.json"
    source = json.loads((ROOT / "pretrained" / "manifest.json").read_text())["models"]
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {"models": {}}
    for name in ["camvid-seg", *shipped]:
        manifest["models"][name] = source[name]
        link = zoo / source[name]["file"]
        if not link.exists():
            link.symlink_to(ROOT / "pretrained" / source[name]["file"])
    manifest_file.write_text(json.dumps(manifest, indent=2))
    return zoo


def export(name: str, checkpoint: Path, zoo: Path) -> None:
    from selgan.train.export import export_checkpoint

    if not (zoo / f"{name}.safetensors").exists():
        export_checkpoint(
            checkpoint, zoo, name, {}, f"ablation row {name}", "camvid-seg", 1, tuple(PRESERVE.split(","))
        )


def evaluate_row(name: str, data_set: str, frames: str, out: Path) -> dict:
    from selgan.datasets import data_root
    from selgan.eval.dataset import EvalSpec, evaluate

    root = data_root() / ("camvid" if data_set == "camvid" else "cityscapes_sample")
    subset = {"stride": 2, "offset": 1 if frames == "heldout" else 0} if data_set == "camvid" else {}
    spec = EvalSpec(
        data=root,
        out=out / "eval" / f"{name}-{data_set}-{frames}",
        model=name,
        preserve=PRESERVE,
        baselines=(),
        curve_images=0,
        **SETS[data_set],
        **subset,
    )
    summary = next(e for e in evaluate(spec).summary if e["codec"] == "selgan")
    periodic = summary["periodic_by_class"]
    row = {
        k: summary.get(k)
        for k in ("bpp", "kid", "miou_gt_synthesised", "psnr_lowfreq_synthesised", "psnr_synthesised", "periodic")
    }
    row.update({f"periodic_{c}": periodic[c]["ratio"] if c in periodic else None for c in CLASSES})
    row["windows"] = {c: periodic[c]["windows"] for c in CLASSES if c in periodic}
    return row


def crops(names: list[str], out: Path, size: int = 160) -> None:
    """For three CamVid frames and two Cityscapes frames: the window with the most synthesised tree and building,
    original then each model's reconstruction."""
    import selgan
    from selgan.datasets import camvid_pairs, cityscapes_pairs, data_root, read_frame
    from selgan.labels.vocab import get_mapping

    frames = [(p, lab, "camvid", None) for p, lab in camvid_pairs(data_root() / "camvid", "val")[5:100:40]]
    frames += [
        (p, lab, "cityscapes", (1024, 512))
        for p, lab in cityscapes_pairs(data_root() / "cityscapes_sample", "train")[1:3]
    ]
    rows: list[list[np.ndarray]] = [[] for _ in range(len(names) + 1)]
    for image_path, label_path, vocab, frame_size in frames:
        rgb, labels = read_frame(image_path, label_path, get_mapping(vocab, "camvid"), frame_size)
        window = None
        for k, name in enumerate(names):
            codec = selgan.load(name)
            bitstream = codec.compress(rgb, preserve=PRESERVE, labels=labels)
            recon = np.asarray(codec.decompress(bitstream.to_bytes()))
            if window is None:
                wanted = ~codec.preserved_mask(bitstream) & np.isin(labels, [1, 5])  # building, tree
                window = _best_window(wanted, size)
            y, x = window
            rows[k + 1].append(recon[y : y + size, x : x + size])
        rows[0].append(rgb[window[0] : window[0] + size, window[1] : window[1] + size])
    label_w, gap = 170, 4
    canvas = Image.new("RGB", (label_w + len(frames) * (size + gap), len(rows) * (size + gap)), "white")
    draw = ImageDraw.Draw(canvas)
    for r, (title, tiles) in enumerate(zip(["original", *names], rows)):
        draw.text((4, r * (size + gap) + size // 2 - 6), title, fill="black")
        for c, tile in enumerate(tiles):
            canvas.paste(Image.fromarray(np.ascontiguousarray(tile)), (label_w + c * (size + gap), r * (size + gap)))
    canvas.save(out / "crops.png")


def _best_window(wanted: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left corner of the size×size window (on a 16-px grid) holding the most `wanted` pixels."""
    table = np.pad(wanted.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    best, corner = -1, (0, 0)
    for y in range(0, wanted.shape[0] - size + 1, 16):
        for x in range(0, wanted.shape[1] - size + 1, 16):
            count = table[y + size, x + size] - table[y, x + size] - table[y + size, x] + table[y, x]
            if count > best:
                best, corner = count, (y, x)
    return corner


def table(results: dict, frames: str) -> str:
    head = (
        "| model | set | bpp | KID | mIoU synth. | low-freq PSNR synth. dB | periodic (all) | "
        + " | ".join(CLASSES)
        + " |"
    )
    lines = [
        f"Frames: CamVid val {'odd (held apart)' if frames == 'heldout' else 'even (every 2nd)'} frames; "
        "Cityscapes: the 8 sample frames at 1024×512. Periodic: reconstruction over original, 1 = as "
        "aperiodic as the photo.",
        "",
        head,
        "|" + "---|" * (7 + len(CLASSES)),
    ]
    for name, sets in results.items():
        for data_set, row in sets.items():
            cells = [
                f"{row['bpp']:.4f}",
                f"{row['kid']:.4f}" if row["kid"] is not None else "—",
                f"{row['miou_gt_synthesised']:.4f}",
                f"{row['psnr_lowfreq_synthesised']:.2f}",
                f"{row['periodic']:.2f}",
            ]
            cells += [f"{row[f'periodic_{c}']:.2f}" if row[f"periodic_{c}"] is not None else "—" for c in CLASSES]
            lines.append(f"| {name} | {data_set} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", help="NAME=CHECKPOINT")
    parser.add_argument("--shipped", action="append", default=[], help="a shipped model to evaluate beside them")
    parser.add_argument("--frames", choices=["heldout", "report"], default="heldout")
    parser.add_argument("--sets", default="camvid,cityscapes")
    parser.add_argument("--no-crops", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    zoo = make_zoo(args.out, args.shipped)
    os.environ["SELGAN_HOME"] = str(zoo)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    names = list(args.shipped)
    for item in args.rows:
        name, _, checkpoint = item.partition("=")
        export(name, Path(checkpoint), zoo)
        names.append(name)
    results_file = args.out / f"results-{args.frames}.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    for name in names:
        for data_set in args.sets.split(","):
            if data_set not in results.get(name, {}):
                results.setdefault(name, {})[data_set] = evaluate_row(name, data_set, args.frames, args.out)
                results_file.write_text(json.dumps(results, indent=1))
                print(name, data_set, json.dumps(results[name][data_set]), flush=True)
    text = table(results, args.frames)
    (args.out / f"table-{args.frames}.md").write_text(text)
    print(text)
    if not args.no_crops:
        crops(names, args.out)


if __name__ == "__main__":
    main()
