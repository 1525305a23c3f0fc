"""Export hyperprior baseline runs (lowest rate first) into one weights file with its manifest entry.

    python -m selgan.train.hyperprior_export RUN_A RUN_B RUN_C -o pretrained/camvid-hyperprior.safetensors

Each RUN is a run folder of selgan.train.hyperprior (its checkpoint.pt) or a checkpoint file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from selgan import zoo
from selgan.errors import SelganError, run_script
from selgan.hyperprior import build, save
from selgan.train.checkpoint import load_checkpoint


def export(checkpoints: list[Path], out: Path) -> None:
    """Runs (lowest rate first) -> one weights file for selgan.hyperprior.load, listed in the manifest beside it."""
    models, lambdas, sizes = [], [], set()
    for path in checkpoints:
        state = load_checkpoint(path / "checkpoint.pt" if path.is_dir() else path)
        model = build(state["n"], state["m"])
        model.load_state_dict(state["model"])
        models.append(model)
        lambdas.append(state["lmbda"])
        sizes.add((state["n"], state["m"]))
        print(f"{path}: λ={state['lmbda']} step {state['step']}")
    if len(sizes) != 1:
        raise SelganError("all rate points must have the same N, M")
    n, m = sizes.pop()
    save(models, lambdas, n, m, out)
    description = (
        f"learned MSE baseline for selgan eval (CompressAI scale hyperprior, N={n} M={m}, "
        f"{len(models)} rate points); not a selgan codec"
    )
    zoo.update_manifest(
        out.parent / "manifest.json",
        out.stem,
        out.name,
        zoo.sha256_file(out),
        f"{out.stem}.md",
        description,
        kind="baseline",
    )
    print(f"wrote {out} and its manifest entry")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+", help="run folders or checkpoints, lowest rate first")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the weights file to write")
    args = parser.parse_args(argv)
    export(args.runs, args.output)


if __name__ == "__main__":
    run_script(main)
