"""The built-in segmenter's trainer and exporter, end to end on a few CamVid frames."""
import json
import math

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open

from selgan.errors import SelganError
from selgan.segment.builtin import load_segmenter
from selgan.train import segmenter as trainer
from selgan.train.segmenter_export import export_segmenter


@pytest.fixture()
def three_frames(camvid, tmp_path):
    """A folder-layout dataset of three CamVid training frames."""
    from selgan.datasets import camvid_pairs

    root = tmp_path / "data"
    (root / "train" / "images").mkdir(parents=True)
    (root / "train" / "labels").mkdir(parents=True)
    for image, label in camvid_pairs(camvid, "train")[:3]:
        (root / "train" / "images" / image.name).write_bytes(image.read_bytes())
        (root / "train" / "labels" / image.name).write_bytes(label.read_bytes())
    return root


def test_ohem_keeps_the_hard_pixels_and_ignores_unlabelled():
    logits = torch.zeros(1, 11, 1, 4)
    logits[0, 0, 0, :2] = 10.0  # two confident, right pixels
    target = torch.tensor([[[0, 0, 1, trainer.IGNORE]]])
    weight = torch.ones(11)
    loss = trainer.ohem_cross_entropy(logits, target, weight)
    # Only pixel 2 is hard (p(true) = 1/11 < 0.7): the confident ones and the ignored one drop out.
    expected = torch.nn.functional.cross_entropy(logits[..., 2:3], target[..., 2:3])
    assert torch.isclose(loss, expected)
    assert trainer.ohem_cross_entropy(logits, torch.full_like(target, trainer.IGNORE), weight) == 0


def test_poly_schedule_warms_up_then_decays_to_zero():
    assert trainer.poly_factor(0, 1000) == pytest.approx(1 / 200)
    assert trainer.poly_factor(199, 1000) == 1.0
    assert trainer.poly_factor(600, 1000) == pytest.approx(0.5 ** 0.9)
    assert trainer.poly_factor(1000, 1000) == 0.0


def test_train_resume_export_and_segment(three_frames, tmp_path, capsys):
    out = tmp_path / "run"
    common = ["--data", str(three_frames), "--layout", "folder", "--out", str(out), "--crop", "64", "--batch", "2",
              "--decoder-channels", "64", "--threads", "2", "--device", "cpu"]
    trainer.main(common + ["--steps", "2"])
    assert "stopped at step 2 of 2" in capsys.readouterr().out
    trainer.main(common + ["--steps", "3"])  # the checkpoint's schedule (2 steps) wins: nothing left to do
    assert "resumed at step 2 of 2" in capsys.readouterr().out
    weights = out / "weights_step2.pt"
    assert weights.exists()
    state = torch.load(weights, weights_only=True)
    assert "optimizer" not in state and state["config"]["decoder_channels"] == 64
    assert all(v.dtype == torch.float16 for k, v in state["model"].items()
               if v.is_floating_point() and "running" not in k)

    path = export_segmenter(weights, tmp_path / "zoo", "tiny-seg")
    with safe_open(str(path), "pt") as f:
        assert f.metadata()["vocabulary"] == "camvid" and json.loads(f.metadata()["config"])["arch"] == "fpn"
    segmenter = load_segmenter(path)
    rgb = np.asarray(Image.open(sorted((three_frames / "train" / "images").iterdir())[0]).convert("RGB"))
    labels, confidence = segmenter.predict_with_confidence(rgb)
    assert labels.shape == rgb.shape[:2] and labels.max() < 11 and labels.min() >= 0
    assert np.all((confidence >= 1 / 11 - 1e-6) & (confidence <= 1 + 1e-6)) and not math.isnan(confidence.sum())


def test_a_decoder_width_fpn_cannot_take_is_one_clear_error(three_frames, tmp_path):
    with pytest.raises(SelganError, match="multiple of 64"):
        trainer.main(["--data", str(three_frames), "--layout", "folder", "--out", str(tmp_path / "run"),
                      "--decoder-channels", "32", "--device", "cpu"])


def test_init_from_another_run_takes_its_config(three_frames, tmp_path, capsys):
    first = tmp_path / "first"
    trainer.main(["--data", str(three_frames), "--layout", "folder", "--out", str(first), "--crop", "64",
                  "--batch", "2", "--decoder-channels", "64", "--steps", "1", "--threads", "2", "--device", "cpu"])
    second = tmp_path / "second"
    trainer.main(["--data", str(three_frames), "--layout", "folder", "--out", str(second), "--crop", "64",
                  "--batch", "2", "--init", str(first / "weights_step1.pt"), "--steps", "1", "--threads", "2",
                  "--device", "cpu"])
    assert torch.load(second / "weights_step1.pt", weights_only=True)["config"]["decoder_channels"] == 64
