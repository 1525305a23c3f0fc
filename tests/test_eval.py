import json

import numpy as np
import pytest

from selgan.baselines import BASELINES, code_at_budget
from selgan.metrics import miou, msssim, psnr


@pytest.fixture(scope="module")
def frame(camvid):
    from PIL import Image

    return np.asarray(Image.open(sorted((camvid / "val").glob("*.png"))[0]).convert("RGB"))


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_matched_size_never_exceeds_the_budget(frame, name):
    for budget, scale in ((1500, 1), (1500, 4), (6000, 2)):
        result = code_at_budget(BASELINES[name], frame, budget, scale)
        if result.num_bytes is not None:
            assert result.num_bytes <= budget and result.reconstruction.shape == frame.shape
            assert len(BASELINES[name].encode(_down(frame, scale), result.quality)) == result.num_bytes


def _down(rgb, scale):
    from PIL import Image

    if scale == 1:
        return rgb
    return np.asarray(
        Image.fromarray(rgb).resize((round(rgb.shape[1] / scale), round(rgb.shape[0] / scale)), Image.LANCZOS)
    )


def test_a_budget_too_small_is_reported_not_dropped(frame):
    result = code_at_budget(BASELINES["jpeg"], frame, 50)
    assert result.quality is None and result.num_bytes is None and result.label == "jpeg"
    assert code_at_budget(BASELINES["jpeg"], frame, 50, 4).label == "jpeg@1/4"


def test_psnr_of_known_noise_and_identity():
    rng = np.random.default_rng(0)
    a = rng.integers(20, 236, (200, 300, 3)).astype(np.uint8)
    noise = rng.choice([-4, 4], size=a.shape)  # MSE exactly 16
    assert psnr(a, (a + noise).astype(np.uint8)) == pytest.approx(10 * np.log10(255**2 / 16))
    assert psnr(a, a) == float("inf")
    assert msssim(a, a) == pytest.approx(1.0)
    assert msssim(a, (a + noise).astype(np.uint8)) < 1.0


def test_region_metrics_on_a_synthetic_case():
    a = np.full((200, 200, 3), 100, np.uint8)
    b = a.copy()
    b[:, 100:] = 110  # error only in the right half
    mask = np.zeros((200, 200), bool)
    mask[:, :100] = True
    assert psnr(a, b, mask) == float("inf")
    assert psnr(a, b, ~mask) == pytest.approx(10 * np.log10(255**2 / 100))
    assert msssim(a, b, mask) == pytest.approx(1.0) and msssim(a, b, ~mask) < 1.0
    assert np.isnan(psnr(a, b, np.zeros_like(mask)))
    assert miou(np.array([[0, 1], [0, 1]]), np.array([[0, 1], [1, 1]]), 3, ignore_id=2) == pytest.approx(7 / 12)
    assert miou(np.array([[0, 1], [1, 1]]), np.array([[0, 1], [2, 2]]), 3, ignore_id=2) == pytest.approx(1.0)


def test_eval_command_end_to_end(use_tiny_zoo, camvid, tmp_path, capsys):
    from selgan.cli import main

    code = main(
        [
            "eval",
            "--model",
            "tiny-test",
            "--data",
            str(camvid),
            "--limit",
            "2",
            "--baselines",
            "jpeg,webp",
            "--scales",
            "1,4",
            "--preserve",
            "car,road",
            "--curve-images",
            "1",
            "--global-reference",
            "tiny-test",
            "--out",
            str(tmp_path / "report"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "| selgan | 2/2 |" in out
    rows = json.loads((tmp_path / "report" / "per_image.json").read_text())
    assert {r["codec"] for r in rows} == {"selgan", "jpeg", "jpeg@1/4", "webp", "webp@1/4"} and len(rows) == 10
    selgan_rows = [r for r in rows if r["codec"] == "selgan"]
    assert all(0 < r["preserved_share"] < 1 and "miou_gt" in r and "miou_self" in r for r in selgan_rows)
    assert all(r["global_ref_bytes"] > r["bytes"] for r in selgan_rows)  # the same model, coding everything
    assert "Against the global reference model" in (tmp_path / "report" / "summary.md").read_text()
    curves = json.loads((tmp_path / "report" / "curves.json").read_text())
    assert {c["codec"] for c in curves} == {"jpeg", "jpeg@1/4", "webp", "webp@1/4"}
    for r in rows:
        if r["codec"] != "selgan" and r["fits"]:
            assert r["bytes"] <= r["target_bytes"]
    assert (tmp_path / "report" / "per_image.csv").read_text().startswith("image,codec,")
    summary = {e["codec"]: e for e in json.loads((tmp_path / "report" / "summary.json").read_text())}
    assert summary["selgan"]["kid"] is not None and summary["selgan"]["patches"] == 2 * 12
    from PIL import Image

    assert Image.open(tmp_path / "report" / "rate_distortion.png").size[0] > 1000
    columns = 1 + len({r["codec"] for r in rows if r["fits"]})  # the original, then every codec that fitted
    assert Image.open(tmp_path / "report" / "crops.png").size == (160 * columns, (160 + 18) * 2)


def test_eval_subsets_and_model_only(use_tiny_zoo, camvid, tmp_path, capsys):
    from selgan.cli import main
    from selgan.datasets import camvid_pairs

    # --stride 4 --offset 2 picks frames disjoint from --stride 4 (for choosing a checkpoint without peeking).
    code = main(
        [
            "eval",
            "--model",
            "tiny-test",
            "--data",
            str(camvid),
            "--stride",
            "50",
            "--offset",
            "2",
            "--baselines",
            "",
            "--no-kid",
            "--no-segmenter",
            "--curve-images",
            "0",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    assert code == 0
    rows = json.loads((tmp_path / "r" / "per_image.json").read_text())
    stems = [p.stem for p, _ in camvid_pairs(camvid, "val")[2::50]]
    assert [r["image"] for r in rows] == stems and {r["codec"] for r in rows} == {"selgan"}
    capsys.readouterr()
    assert (
        main(
            ["eval", "--model", "tiny-test", "--data", str(camvid), "--offset", "100000", "--out", str(tmp_path / "n")]
        )
        == 2
    )
    assert "no images to evaluate" in capsys.readouterr().err


def test_bench_runs_on_a_tiny_size(use_tiny_zoo, tmp_path, capsys):
    from selgan.cli import main

    code = main(
        [
            "bench",
            "--model",
            "tiny-test",
            "--sizes",
            "96x64,200x120",
            "--runs",
            "1",
            "--effort-size",
            "128x64",
            "--json",
            str(tmp_path / "b.json"),
        ]
    )
    out = capsys.readouterr().out
    result = json.loads((tmp_path / "b.json").read_text())
    assert code == 0 and "| 96×64 |" in out and [r["size"] for r in result["sizes"]] == ["96×64", "200×120"]
    assert result["matmul_gflops_per_s"] > 0 and result["generator_gflop"] > 0
    assert all(r["decode_total_s"] > 0 and r["segment_s"] > 0 and r["peak_rss_mb"] > 0 for r in result["sizes"])
    assert result["budget_480x360"]["guarded_compress_s"] > 0 and "With the synthesis guard" in out
    effort = result["effort"]
    assert effort["size"] == "128×64" and all(effort[name]["seconds"] > 0 for name in ("fast", "better", "best"))
    assert effort["better"]["bytes"] <= effort["fast"]["bytes"] and "Encode effort at 128×64" in out


def test_bench_refuses_an_effort_size_the_efforts_cannot_take(use_tiny_zoo, capsys):
    from selgan.cli import main

    assert main(["bench", "--model", "tiny-test", "--effort-size", "4000x3000"]) == 2
    assert "--effort-size 4000x3000 is over the 4.2 MP" in capsys.readouterr().err


def test_kid_of_a_set_against_itself_is_near_zero_and_blur_is_far(camvid):
    from PIL import Image

    from selgan.eval.fid import features, kid, patch_size, patches

    images = [np.asarray(Image.open(p).convert("RGB")) for p in sorted((camvid / "val").glob("*.png"))[:3]]
    crops = [c for im in images for c in patches(im, patch_size(im))]
    assert len(crops) == 36
    real = features(crops)
    blurred = features([np.asarray(Image.fromarray(c).resize((16, 16)).resize((128, 128))) for c in crops])
    assert abs(kid(real, real)) < 0.02
    assert kid(real, blurred) > 5 * abs(kid(real, real)) and kid(real, blurred) > 0.03


def test_quality_sweep_rises_with_quality(frame):
    from selgan.eval.evaluate import quality_sweep

    curve = quality_sweep([frame], ["jpeg"], [1], steps=3)
    assert [c["quality"] for c in curve] == sorted(c["quality"] for c in curve)
    assert curve[0]["bpp"] < curve[-1]["bpp"] and curve[0]["psnr"] < curve[-1]["psnr"]


def test_fid_equals_the_matrix_square_root_formula():
    from scipy import linalg

    from selgan.eval.fid import fid

    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(40, 64)), rng.normal(0.3, 1.2, size=(60, 64))
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    expected = ((real.mean(0) - fake.mean(0)) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert fid(real, fake) == pytest.approx(expected, rel=1e-6)
    assert abs(fid(real, real)) < 1e-9
