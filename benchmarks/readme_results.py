"""Regenerate the README's results section from real runs: `selgan eval` per shipped codec and `selgan bench`.

Usage: python benchmarks/readme_results.py [--stride 3] [--limit N] [--reuse] [--data ../shared/data/camvid]
Writes docs/results/<model>/ (tables, plots, crops) and docs/results/bench.{md,json}, then replaces the text
between the results markers in README.md. Nothing in that section is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
from pathlib import Path

import torch

from selgan.cli import parse_args
from selgan.cli.tools import eval_spec
from selgan.datasets import data_root
from selgan.demo import DEMO_IMAGE
from selgan.eval.bench import format_bench, run_bench, write_bench
from selgan.eval.dataset import evaluate
from selgan.pipeline import Pipeline
from selgan.segment import get_segmenter
from selgan.zoo import specs

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- results:start -->", "<!-- results:end -->"


def run(argv: list[str]) -> str:
    """Run a `selgan eval` command line through the library (selgan.eval.dataset.evaluate); its summary table."""
    return evaluate(eval_spec(parse_args(argv))).markdown.split("\n", 2)[2]


def table_of(report: Path) -> str:
    """The summary table of a report folder written earlier (--reuse)."""
    return (report / "summary.md").read_text().split("\n", 2)[2]


CARD_START, CARD_END = "<!-- eval:start -->", "<!-- eval:end -->"


def write_card_section(name: str, text: str) -> None:
    """Put the eval table into the model card (replacing an earlier one) so card and README agree."""
    card = ROOT / "pretrained" / specs("codec")[name].card
    body = card.read_text()
    if CARD_START in body:
        before, _, rest = body.partition(CARD_START)
        after = rest.partition(CARD_END)[2]
    else:
        before, after = body.rstrip() + "\n\n", "\n"
    card.write_text(f"{before}{CARD_START}\n{text}{CARD_END}{after}")


def plan(names: list[str], args: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    """(model, mode, extra eval arguments): global models globally; selective ones with their default set,
    against the global model of the same rate (camvid-sc-c8 -> camvid-gc-c8) when it is shipped."""
    jobs = []
    for name in names:
        spec = specs("codec")[name]
        if spec.preserve:
            extra = ["--preserve", "default", "--curve-images", "0"]
            reference = name.replace("-sc-", "-gc-")
            if reference != name and reference in names:
                extra += ["--global-reference", reference]
            jobs.append((name, "selective", extra))
        else:
            jobs.append((name, "global", ["--curve-images", str(args.curve_images)]))
    return jobs


OTHER_CAMERAS = (
    (
        "Cityscapes sample (8 frames of Aachen, 1024×512, ground truth mapped to CamVid's classes)",
        "cityscapes",
        [
            "--layout",
            "cityscapes",
            "--data",
            os.path.relpath(data_root() / "cityscapes_sample", ROOT),
            "--split",
            "train",
            "--size",
            "1024x512",
        ],
    ),
    (
        "the comma2k19 dashcam photo (1164×874, labels from camvid-seg)",
        "dashcam",
        ["--layout", "images", "--data", os.path.relpath(data_root().parent / "images", ROOT)],
    ),
)


def out_of_domain(out: Path, args: argparse.Namespace, cards: dict[str, str]) -> str:
    """Every codec on photos from other cameras against the baselines at the same bytes (selective ones with
    their default set), with low-frequency PSNR (both images area-averaged 16×): the colour a person sees first."""
    parts = [
        "### Other cameras",
        "",
        "The models were trained on CamVid only. `psnr_lowfreq`: PSNR after area-averaging both images 16× "
        "(colour and brightness of each block); `miou_self`: the segmenter's labels of the reconstruction "
        "against its labels of the original.",
        "",
    ]
    for title, key, data in OTHER_CAMERAS:
        for name in sorted(specs("codec")):
            spec = specs("codec")[name]
            report = out / "other-cameras" / f"{name}-{key}"
            extra = ["--preserve", "default"] if spec.preserve else []
            command = [
                "eval",
                "--model",
                name,
                *data,
                "--baselines",
                args.other_baselines,
                "--curve-images",
                "0",
                "--out",
                str(report),
                *extra,
            ]
            reused = args.reuse and (report / "summary.md").is_file()
            table = (table_of(report) if reused else run(command)).split("\n\nMeans over")[0]
            parts += [
                f"#### {name} on {title}",
                "",
                f"`selgan {' '.join(command)}`",
                "",
                table,
                "",
                f"![crops]({report}/crops.png)",
                "",
            ]
            cards[name] += (
                f"\n## On {title} (`selgan eval`)\n\n`selgan {' '.join(command)}`\n\n{table}\n\n"
                f"Crops (original, selgan, then each baseline at the same file size): `{report}/crops.png`.\n"
            )
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_root() / "camvid")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--stride", type=int, default=1, help="every Nth val frame")
    parser.add_argument("--curve-images", type=int, default=10, help="images for the baselines' quality sweep")
    parser.add_argument(
        "--baselines",
        default="jpeg,webp,avif,heic,jxl,hyperprior",
        help="codecs compared at the same size on CamVid (classical, and the learned MSE baseline)",
    )
    parser.add_argument("--other-baselines", default="webp,avif", help="the same on other cameras")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep reports already in docs/results/ (e.g. made by the same eval commands in parallel)",
    )
    parser.add_argument("--skip-bench", action="store_true", help="keep docs/results/bench.md as it is")
    args = parser.parse_args()
    os.chdir(ROOT)  # commands are shown (and run) with paths relative to the repository
    args.data = Path(os.path.relpath(args.data.resolve(), ROOT))
    out = Path("docs") / "results"
    out.mkdir(parents=True, exist_ok=True)
    sections, cards = [], {}
    subset = ["--stride", str(args.stride)] + (["--limit", str(args.limit)] if args.limit else [])
    for name, mode, extra in plan(sorted(specs("codec")), args):
        report = out / f"{name}-{mode}"
        command = [
            "eval",
            "--model",
            name,
            "--data",
            str(args.data),
            *subset,
            "--baselines",
            args.baselines,
            "--out",
            str(report),
            *extra,
        ]
        table = table_of(report) if args.reuse and (report / "summary.md").is_file() else run(command)
        cards[name] = (
            f"## Evaluation on CamVid val ({mode}, `selgan eval`)\n\n`selgan {' '.join(command)}`"
            f"\n\n{table}\nReport, plots and crops: `{report}/`.\n"
        )
        sections.append(
            f"### {name}, {mode}\n\n`selgan {' '.join(command)}`\n\n{table}\n"
            f"![rate-distortion]({report}/rate_distortion.png)\n\n"
            f"Crops of val frames (original, selgan, then each baseline at the same file size):\n\n"
            f"![crops]({report}/crops.png)\n"
        )
    sections.append(out_of_domain(out, args, cards))
    for name, text in cards.items():
        write_card_section(name, text)
    if not args.skip_bench:
        codec = Pipeline().codec  # as `selgan bench`: the default codec with its own segmenter, the demo photo
        result = run_bench(codec, get_segmenter("builtin", name=codec.segmenter), DEMO_IMAGE)
        write_bench(result, out / "bench.json")
        (out / "bench.md").write_text(format_bench(result) + "\n")
    bench = (out / "bench.md").read_text()
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model_line = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), "")
    machine = f"{model_line or platform.processor()}, {torch.get_num_threads()} threads, torch {torch.__version__}"
    frames = f"every {args.stride}th frame" if args.stride > 1 else "all frames"
    body = "\n".join(
        [
            f"Generated by `python benchmarks/readme_results.py {' '.join(subset)} --curve-images {args.curve_images} "
            f"--baselines {args.baselines} --other-baselines {args.other_baselines}` "
            f"on {machine}.",
            f"CamVid val ({frames}{f', first {args.limit}' if args.limit else ''}), real files, labels from the "
            "CamVid annotations.",
            "",
            *sections,
            "### Speed and memory (`selgan bench`)",
            "",
            bench,
        ]
    )
    readme = (ROOT / "README.md").read_text()
    before, _, rest = readme.partition(START)
    _, _, after = rest.partition(END)
    (ROOT / "README.md").write_text(f"{before}{START}\n{body}\n{END}{after}")
    print(json.dumps({"sections": len(sections), "readme": "updated"}))


if __name__ == "__main__":
    main()
