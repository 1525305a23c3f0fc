"""Ship a trained segmenter: fp16 safetensors, a card with its measured val table, and the manifest entry.

Usage: python -m selgan.segment.export ~/selgan-runs/seg-camvid/best.pt --data ../shared/data/camvid -o pretrained
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from selgan.export import update_manifest
from selgan.segment.builtin import load_segmenter, save_segmenter
from selgan.segment.evaluate import evaluate_segmenter, format_table
from selgan.segment.network import StreetSegNet
from selgan.segment.vocab import CAMVID
from selgan.train.data import camvid_pairs
from selgan.weights import sha256_file


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--name", default="camvid-seg")
    parser.add_argument("-o", "--output", type=Path, default=Path("pretrained"))
    parser.add_argument("--train-minutes", type=float, default=None, help="wall time of the run, for the card")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)

    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    config = state["config"]
    network = StreetSegNet(config["num_classes"], tuple(config["widths"]), config["decoder_width"])
    network.load_state_dict(state["model"])
    path = args.output / f"{args.name}.safetensors"
    save_segmenter(network, config, CAMVID.name, path)
    sha = sha256_file(path)
    segmenter = load_segmenter(path)  # measure what ships (fp16 weights), not the checkpoint
    result = evaluate_segmenter(segmenter, camvid_pairs(args.data, "val"), CAMVID)
    params = sum(p.numel() for p in network.parameters())
    card = args.output / f"{args.name}.md"
    card.write_text(f"""# {args.name}

Built-in street-scene segmenter (StreetSegNet, {params / 1e6:.2f} M parameters), trained from scratch on
CamVid train (367 frames, 11 classes, Unlabelled ignored) on this project's 2-core CPU.

- Weights: `{path.name}` (fp16, BatchNorm statistics fp32), sha256 `{sha}`
- Training: `python -m selgan.segment.train --data ../shared/data/camvid --out RUN` — {state['step']} steps
  of batch 8, 320² crops, scale 0.5–1.75, flips, median-frequency class weights, AdamW + one-cycle
  {f"({args.train_minutes:.0f} min)" if args.train_minutes else ""}
- Config: {json.dumps(config)}
- Export and measurement: `python -m selgan.segment.export {args.checkpoint.name} --data ../shared/data/camvid`
  (re-run `selgan eval-seg --data ../shared/data/camvid` for the same table)

## CamVid val ({result['images']} frames, 480×360)
{format_table(result)}

Inference: {1000 * result['seconds_per_image']:.0f} ms per 480×360 frame (median, 2 threads, this CPU).
""")
    update_manifest(args.output / "manifest.json", args.name, path.name, sha, card.name,
                    f"street-scene segmenter, CamVid 11 classes, val mIoU {100 * result['miou']:.1f}%", kind="segmenter")
    print(card.read_text())


if __name__ == "__main__":
    main()
