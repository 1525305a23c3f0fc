"""Training history of a shipped model from its runs' log.jsonl files: wall time per run and val curves.

Usage: python benchmarks/training_curves.py NAME RUN_LOG [RUN_LOG ...] [--out docs/training]
Each RUN_LOG is a run's log.jsonl, in the order the runs continued one another (--init). The logs are
copied to OUT/NAME/ so the figures can be recomputed from the repository; a plot of val PSNR and bpp
against step (one line per run: a run started with --init counts its steps from 0) and a Markdown table are
written beside them.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wall_minutes(records: list[dict]) -> float:
    """Sum over logged intervals of steps / (steps per second): the run's wall time, evaluations included.

    Logs of the legacy warm-up script carry elapsed_min instead, restarting from 0 at each resume.
    """
    if any("elapsed_min" in r for r in records):
        elapsed = [r["elapsed_min"] for r in records if "elapsed_min" in r]
        return sum(a for a, b in zip(elapsed, elapsed[1:] + [0.0]) if b < a)
    train = [r for r in records if "steps_per_s" in r]
    steps = [b["step"] - a["step"] for a, b in zip(train, train[1:])]
    first = train[0]["step"] - (train[1]["step"] - train[0]["step"] if len(train) > 1 else 0)
    steps.insert(0, train[0]["step"] - first)
    return sum(n / r["steps_per_s"] for n, r in zip(steps, train)) / 60


def summarise(name: str, logs: list[Path], out: Path) -> str:
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    rows, curves = [], []
    for index, log in enumerate(logs):
        copy = log if log.parent.resolve() == folder.resolve() else folder / f"{index}-{log.parent.name}.jsonl"
        if log.resolve() != copy.resolve():
            shutil.copyfile(log, copy)
        records = read(copy)
        train = [r for r in records if "loss" in r]
        evals = [r for r in records if "val_psnr" in r]
        stages = sorted({r.get("stage", "autoencoder") for r in train})
        last = evals[-1] if evals else {}
        rows.append(
            (
                copy.name,
                train[0]["step"],
                train[-1]["step"],
                "+".join(stages),
                wall_minutes(records),
                last.get("val_bpp"),
                last.get("val_psnr"),
            )
        )
        curves.append((copy.stem, evals))
    total = sum(r[4] for r in rows)
    lines = [
        "| run log | from step | to step | stage | wall min | last val bpp | last val PSNR dB |",
        "|---|---|---|---|---|---|---|",
    ]
    for log, a, b, stage, minutes, bpp, quality in rows:
        lines.append(
            f"| {log} | {a} | {b} | {stage} | {minutes:.0f} | "
            f"{'—' if bpp is None else f'{bpp:.4f}'} | {'—' if quality is None else f'{quality:.2f}'} |"
        )
    lines.append(f"\nTotal wall time of these runs: {total:.0f} min ({total / 60:.1f} h) on the machines that ran them")
    if not any(evals for _, evals in curves):  # no val evaluation (lent GPU, CPU runs): the training crops' figures
        crops = [(run, [r for r in read(folder / f"{run}.jsonl") if "psnr" in r]) for run, _ in curves]
        curves = [
            (run, [{"step": r["step"], "val_psnr": r["psnr"], "val_bpp": r["bpp_latent_est"]} for r in rs])
            for run, rs in crops
        ]
        where, rate = "training crops (these runs had no val evaluation)", "estimated latent bpp"
    else:
        where, rate = "val frames", "val bpp (real files)"
    if any(evals for _, evals in curves):
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
        for run, evals in curves:
            axes[0].plot([r["step"] for r in evals], [r["val_psnr"] for r in evals], marker=".", label=run)
            rated = [r for r in evals if r.get("val_bpp") is not None]
            axes[1].plot([r["step"] for r in rated], [r["val_bpp"] for r in rated], marker=".", label=run)
        axes[0].set(xlabel="step", ylabel="PSNR (dB)", title=f"{name}: PSNR on {where}")
        axes[1].set(xlabel="step", ylabel=rate, title="rate")
        for ax in axes:
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(folder / "curves.png", dpi=90)
        lines.append("\n![training curves](curves.png)")
    text = f"# Training history of {name}\n\n" + "\n".join(lines) + "\n"
    (folder / "README.md").write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("logs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "training")
    args = parser.parse_args()
    print(summarise(args.name, args.logs, args.out))


if __name__ == "__main__":
    main()
