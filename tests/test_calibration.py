"""The segmenter's confidence: ECE and unsure figures computed right, a temperature fitted and stored."""

import json

import numpy as np
import pytest
import torch

from selgan.errors import SelganError
from selgan.segment.builtin import BuiltinSegmenter, load_segmenter, save_segmenter
from selgan.segment.calibration import Reliability, fit_temperature
from selgan.segment.smp_net import SegNetConfig, build_segnet
from selgan.train.segmenter_calibrate import write_temperature
from selgan.zoo import sha256_file


def test_ece_is_zero_when_calibrated_and_the_gap_when_not():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0, 1, 400_000)
    calibrated = Reliability()
    calibrated.add(confidence, rng.random(confidence.size) < confidence)
    assert calibrated.ece() < 0.01
    overconfident = Reliability()
    overconfident.add(confidence, rng.random(confidence.size) < confidence - 0.2)
    # Right 20 points less often than claimed wherever confidence > 0.2; below 0.2 it is never right.
    expected = np.mean(np.minimum(confidence, 0.2))
    assert overconfident.ece() == pytest.approx(expected, abs=0.01)
    table = overconfident.table()
    assert len(table) == 15 and sum(row["share"] for row in table) == pytest.approx(1.0)


def test_unsure_counts_the_flagged_pixels_and_the_wrong_ones_they_catch():
    reliability = Reliability()
    confidence = np.array([0.3, 0.55, 0.65, 0.95, 0.99, 0.45])
    right = np.array([False, True, False, True, False, True])
    reliability.add(confidence, right)
    unsure = reliability.unsure()
    # Below 0.5: 0.3 (wrong) and 0.45 (right); wrong pixels are 0.3, 0.65 and 0.99.
    assert unsure[0.5] == {"flagged": pytest.approx(2 / 6), "wrong_caught": pytest.approx(1 / 3)}
    assert unsure[0.7] == {"flagged": pytest.approx(4 / 6), "wrong_caught": pytest.approx(2 / 3)}
    summary = reliability.summary()
    assert summary["accuracy"] == pytest.approx(0.5) and set(summary["unsure"]) >= {"0.50", "0.70"}


def test_fit_temperature_recovers_the_scale_of_overconfident_scores():
    generator = torch.Generator().manual_seed(0)
    true_logits = torch.randn(20_000, 11, generator=generator) * 2
    targets = torch.multinomial(true_logits.softmax(dim=1), 1, generator=generator)[:, 0]
    assert fit_temperature(true_logits * 3, targets) == pytest.approx(3.0, rel=0.05)
    assert fit_temperature(true_logits / 2, targets) == pytest.approx(0.5, rel=0.05)


@pytest.fixture()
def segmenter_file(tmp_path):
    torch.manual_seed(0)
    config = SegNetConfig(arch="fpn", decoder_channels=64)
    path = tmp_path / "seg.safetensors"
    save_segmenter(build_segnet(config).eval(), config, "camvid", path)
    return path


def test_a_stored_temperature_changes_confidence_never_labels(segmenter_file, tmp_path):
    image = np.random.default_rng(1).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    plain = load_segmenter(segmenter_file)
    assert plain.temperature == 1.0  # files written before calibration existed
    before = plain.segment(image)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"models": {"seg": {"file": segmenter_file.name, "sha256": "0" * 64}}}))
    sha = write_temperature(segmenter_file, 2.5)
    assert json.loads(manifest.read_text())["models"]["seg"]["sha256"] == sha == sha256_file(segmenter_file)
    calibrated = load_segmenter(segmenter_file)
    assert calibrated.temperature == 2.5
    after = calibrated.segment(image)
    np.testing.assert_array_equal(after.labels, before.labels)
    assert after.confidence.mean() < before.confidence.mean()  # a softer softmax: less sure everywhere
    expected = (plain.logits(image) / 2.5).softmax(dim=0).max(dim=0).values.numpy()
    np.testing.assert_allclose(after.confidence, expected, rtol=1e-5)
    with pytest.raises(SelganError, match="temperature must be positive"):
        BuiltinSegmenter(calibrated.network, calibrated.vocab, temperature=0.0)


def test_eval_seg_reports_calibration(segmenter_file):
    from selgan.labels.vocab import CAMVID
    from selgan.segment.evaluate import evaluate_segmenter

    rng = np.random.default_rng(2)
    pairs = [(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), rng.integers(0, 11, (64, 64))) for _ in range(2)]
    table = evaluate_segmenter(load_segmenter(segmenter_file), pairs, CAMVID)
    calibration = table["calibration"]
    assert 0 <= calibration["ece"] <= 1
    assert calibration["accuracy"] == pytest.approx(table["pixel_acc"])


@pytest.mark.parametrize("condition", ["night", "dusk", "rain"])
def test_conditions_are_repeatable_and_change_the_light(condition):
    from selgan.degrade import degrade

    image = np.random.default_rng(3).integers(60, 255, (90, 120, 3), dtype=np.uint8)
    first = degrade(image, condition, np.random.default_rng([0, 7]))
    again = degrade(image, condition, np.random.default_rng([0, 7]))
    np.testing.assert_array_equal(first, again)  # seeded per frame: the evaluation set is the same everywhere
    assert first.shape == image.shape and first.dtype == np.uint8
    assert np.abs(first.astype(int) - image).mean() > 10
    if condition == "night":
        assert first.mean() < 0.5 * image.mean()


def test_unknown_conditions_are_one_clear_error():
    from selgan.degrade import degrade
    from selgan.train.data import PairDataset

    with pytest.raises(SelganError, match="unknown condition 'fog': choose from night, dusk, rain"):
        degrade(np.zeros((8, 8, 3), np.uint8), "fog", np.random.default_rng(0))
    with pytest.raises(SelganError, match=r"unknown conditions \['fog'\]"):
        PairDataset([], crop=None, flip=False, conditions=("fog",))


def test_training_crops_take_the_conditions(camvid):
    from selgan.datasets import camvid_pairs
    from selgan.train.data import PairDataset

    pairs = camvid_pairs(camvid, "train")[:2]
    plain = PairDataset(pairs, crop=None, flip=False)
    dark = PairDataset(pairs, crop=None, flip=False, conditions=("night",), condition_share=1.0)
    image, labels = plain[0]
    night_image, night_labels = dark[0]
    assert torch.equal(labels, night_labels)  # same frame, same labels: only the light changed
    assert night_image.mean() < 0.6 * image.mean()
    assert torch.equal(dark[0][0], night_image)


def test_eval_seg_on_simulated_night(camvid, capsys):
    from selgan.cli import main

    assert main(["eval-seg", "--data", str(camvid), "--limit", "2", "--degrade", "night"]) == 0
    out = capsys.readouterr().out
    assert "2 images" in out and "Calibration: ECE" in out and "of the wrong ones" in out
    assert main(["eval-seg", "--data", str(camvid), "--limit", "2", "--degrade", "night", "--backend", "file"]) == 2
    assert "--degrade needs a segmenter that looks at the image" in capsys.readouterr().err
