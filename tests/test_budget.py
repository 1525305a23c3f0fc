"""Rate control by regions: never over budget, monotone in the budget, clear errors."""

import re

import numpy as np
import pytest
from conftest import ROOT

import selgan
from selgan.budget import choose
from selgan.cli import main as cli_main
from selgan.errors import BudgetError
from selgan.zoo import PRETRAINED_DIR, _read_manifest

GOLDEN = ROOT / "tests" / "golden"
SHIPPED = sorted(
    name for name, spec in _read_manifest(PRETRAINED_DIR / "manifest.json").items() if spec.kind == "codec"
)
BUDGETS = (1, 40, 90, 120, 160, 200, 260, 400, 800, 5000)


@pytest.fixture(autouse=True)
def shipped_zoo(monkeypatch):
    monkeypatch.delenv("SELGAN_HOME", raising=False)


@pytest.mark.parametrize("name", SHIPPED)
def test_never_over_budget_and_monotone(name):
    codec = selgan.load(name)
    image, labels = GOLDEN / "input.png", GOLDEN / "input_labels.png"
    ladder = [
        r.description
        for r in codec.rate_ladder(
            np.asarray(selgan.decompress((GOLDEN / name / "global.sgc").read_bytes())),
            codec._labels(labels, (176, 104)),
            0,
        )
    ]
    assert ladder[0] == "the label map only" and ladder[-1].startswith("the whole image")
    chosen = []
    for budget in BUDGETS:
        try:
            bitstream = codec.compress(image, labels=labels, max_bytes=budget)
        except BudgetError as exc:
            assert "smallest for this image is" in str(exc) and not chosen  # only the smallest budgets fail
            continue
        assert bitstream.num_bytes <= budget
        rung = next(
            i
            for i, r in enumerate(
                codec.rate_ladder(selgan.imageio.load_rgb(image), codec._labels(labels, (176, 104)), 0)
            )
            if r.make().to_bytes() == bitstream.to_bytes()
        )
        chosen.append(rung)
        assert selgan.decompress(bitstream.to_bytes()).size == (176, 104)
    assert chosen == sorted(chosen) and len(set(chosen)) > 2  # a larger budget never preserves less


@pytest.mark.parametrize("name", SHIPPED)
def test_skipping_by_floors_chooses_what_coding_every_rung_would(name):
    """choose() codes only rungs whose size floor fits; the answer must be the one an exhaustive scan gives."""
    codec = selgan.load(name)
    ladder = codec.rate_ladder(
        selgan.imageio.load_rgb(GOLDEN / "input.png"), codec._labels(GOLDEN / "input_labels.png", (176, 104)), 0
    )
    sizes = [rung.make().num_bytes for rung in ladder]
    assert all(rung.floor() <= size for rung, size in zip(ladder, sizes))
    for budget in sorted(set(sizes) | {s - 1 for s in sizes} | {min(sizes) - 1}):
        fitting = [i for i, size in enumerate(sizes) if size <= budget]
        if not fitting:
            with pytest.raises(BudgetError, match=f"smallest for this image is {min(sizes)} bytes"):
                choose(ladder, budget)
            continue
        bitstream, rung = choose(ladder, budget)
        assert rung is ladder[max(fitting)] and bitstream.num_bytes == sizes[max(fitting)]


def test_tiny_images_and_the_error_names_the_minimum():
    codec = selgan.load(SHIPPED[0])
    one_pixel = np.full((1, 1, 3), 128, np.uint8)
    with pytest.raises(BudgetError, match=r"smallest for this image is (\d+) bytes") as failure:
        codec.compress(one_pixel, max_bytes=5)
    minimum = int(re.search(r"is (\d+) bytes", str(failure.value)).group(1))
    assert codec.compress(one_pixel, max_bytes=minimum).num_bytes <= minimum
    assert codec.compress(one_pixel, target_bpp=8.0 * (minimum + 50)).num_bytes <= minimum + 50


def test_budget_arguments_are_checked():
    codec = selgan.load(SHIPPED[0])
    image = GOLDEN / "input.png"
    for kwargs, message in (
        ({"max_bytes": 0}, "positive whole number"),
        ({"max_bytes": 2.5}, "positive whole number"),
        ({"target_bpp": -1.0}, "positive number"),
        ({"max_bytes": 100, "target_bpp": 0.1}, "one budget"),
        ({"max_bytes": 500, "preserve": ["car"]}, "priority"),
    ):
        with pytest.raises(BudgetError, match=message):
            codec.compress(image, **kwargs)
    with pytest.raises(selgan.UnknownClassError):
        codec.compress(image, max_bytes=500, priority=["unicorn"])


def test_priority_decides_what_is_kept_first():
    codec = selgan.load("camvid-sc-c8") if "camvid-sc-c8" in SHIPPED else selgan.load(SHIPPED[0])
    image, labels = GOLDEN / "input.png", GOLDEN / "input_labels.png"
    ladder = codec.rate_ladder(
        selgan.imageio.load_rgb(image), codec._labels(labels, (176, 104)), 0, priority=["tree", "car"]
    )
    assert ladder[1].description.startswith("Tree") and ladder[2].description.startswith("Tree, Car")


def test_cli_budget(tmp_path, capsys):
    out = tmp_path / "x.sgc"
    assert (
        cli_main(
            [
                "compress",
                str(GOLDEN / "input.png"),
                "-o",
                str(out),
                "--labels",
                str(GOLDEN / "input_labels.png"),
                "--max-bytes",
                "300",
            ]
        )
        == 0
    )
    assert out.stat().st_size <= 300 and "preserved" in capsys.readouterr().out
    for bad in (["--max-bytes", "lots"], ["--max-bytes", "0"], ["--target-bpp", "0"], ["--max-bytes", "5"]):
        assert cli_main(["compress", str(GOLDEN / "input.png"), "-o", str(out), *bad]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in err[0]
