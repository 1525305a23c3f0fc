"""The built-in segmenter's trainer and exporter, end to end on a few CamVid frames."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors import safe_open

from selgan.errors import SelganError
from selgan.segment.builtin import load_segmenter, save_segmenter
from selgan.segment.smp_net import SegNetConfig, build_segnet, load_network_state
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


def test_sampled_lovasz_is_smps_loss_and_falls_as_the_iou_rises():
    torch.manual_seed(0)
    target = torch.randint(0, 11, (2, 16, 16))
    target[0, 0] = trainer.IGNORE
    logits = torch.randn(2, 11, 16, 16)
    # A sample at least as large as the batch is the whole batch: exactly smp's LovaszLoss.
    assert torch.isclose(trainer.sampled_lovasz(logits, target, 10**6), trainer.LOVASZ(logits, target))
    right = F.one_hot(target.clamp(max=10), 11).permute(0, 3, 1, 2).float() * 20
    assert trainer.sampled_lovasz(right, target, 100) < 0.01 < trainer.sampled_lovasz(logits, target, 100)


def test_poly_schedule_warms_up_then_decays_to_zero():
    assert trainer.poly_factor(0, 1000) == pytest.approx(1 / 200)
    assert trainer.poly_factor(199, 1000) == 1.0
    assert trainer.poly_factor(600, 1000) == pytest.approx(0.5**0.9)
    assert trainer.poly_factor(1000, 1000) == 0.0


def tiny_run(data, out, *extra):
    """The trainer's command line for a tiny run on the three-frame folder dataset."""
    return [
        f"data.root={data}",
        "data.layout=folder",
        "data.crop=64",
        "optim.batch=2",
        "model.decoder_channels=64",
        "run.threads=2",
        "run.device=cpu",
        *extra,
        "--out",
        str(out),
    ]


@pytest.mark.slow  # a training loop
def test_train_resume_export_and_segment(three_frames, tmp_path, capsys):
    out = tmp_path / "run"
    trainer.main(tiny_run(three_frames, out, "optim.steps=2"))
    assert "stopped at step 2 of 2" in capsys.readouterr().out
    with pytest.raises(SelganError, match="pass --resume"):
        trainer.main(tiny_run(three_frames, out, "optim.steps=2"))
    # A resumed run keeps its own config: the checkpoint's schedule (2 steps) wins, nothing is left to do.
    with pytest.warns(UserWarning, match="ignored when resuming"):
        trainer.main(["optim.steps=3", "--out", str(out), "--resume"])
    assert "resumed at step 2 of 2" in capsys.readouterr().out
    weights = out / "weights_step2.pt"
    assert weights.exists()
    state = torch.load(weights, weights_only=True)
    assert "optimizer" not in state and state["config"]["decoder_channels"] == 64
    assert state["train_config"]["data"]["crop"] == 64 and state["train_config"]["optim"]["steps"] == 2
    assert all(
        v.dtype == torch.float16 for k, v in state["model"].items() if v.is_floating_point() and "running" not in k
    )

    bias = trainer.logit_adjustment(torch.linspace(0.5, 2.0, 11), 0.5)
    path = export_segmenter(weights, tmp_path / "zoo", "tiny-seg", bias)
    with safe_open(str(path), "pt") as f:
        assert f.metadata()["vocabulary"] == "camvid" and json.loads(f.metadata()["config"])["arch"] == "fpn"
    segmenter = load_segmenter(path)
    assert torch.equal(segmenter.class_bias, bias)
    rgb = np.asarray(Image.open(sorted((three_frames / "train" / "images").iterdir())[0]).convert("RGB"))
    labels, confidence = segmenter.predict_with_confidence(rgb)
    assert labels.shape == rgb.shape[:2] and labels.max() < 11 and labels.min() >= 0
    assert np.all((confidence >= 1 / 11 - 1e-6) & (confidence <= 1 + 1e-6)) and not math.isnan(confidence.sum())


def test_a_decoder_width_fpn_cannot_take_is_one_clear_error(three_frames, tmp_path):
    with pytest.raises(SelganError, match="multiple of 64"):
        trainer.main(tiny_run(three_frames, tmp_path / "run", "model.decoder_channels=32"))


@pytest.mark.parametrize(
    "override, message",
    [
        ("optim.lovasz=1", "unknown config key.*optim.lovasz"),
        ("model.arch=unet", "model.arch 'unet' is not one of"),
        ("data.layout=kitti", "data.layout 'kitti' is not one of"),
    ],
)
def test_segmenter_config_mistakes_are_one_clear_error(three_frames, tmp_path, override, message):
    with pytest.raises(SelganError, match=message):
        trainer.main(tiny_run(three_frames, tmp_path / "run", override))


def test_the_shipped_segmenter_and_hyperprior_presets_load():
    from selgan.train.config import HyperpriorTrainConfig, SegmenterTrainConfig, load_sections

    finetune = load_sections(SegmenterTrainConfig, "configs/segmenter/lovasz_finetune.yaml")
    assert finetune.optim.lovasz_weight == 1.0 and finetune.optim.fit_share == 0.85 and finetune.optim.lr == 3e-4
    assert load_sections(SegmenterTrainConfig, "configs/segmenter/camvid_fpn.yaml").model.arch == "fpn"
    night = load_sections(SegmenterTrainConfig, "configs/segmenter/night_finetune.yaml")
    assert night.data.conditions == "night,dusk,rain" and night.data.condition_share == 0.5
    baseline = load_sections(HyperpriorTrainConfig, "configs/hyperprior/camvid.yaml", ["optim.lmbda=0.0003"])
    assert baseline.optim.lmbda == 0.0003 and baseline.model.m == 96


@pytest.mark.slow  # a training loop
def test_init_from_another_run_takes_its_shape_and_can_add_the_refinement_head(three_frames, tmp_path):
    first = tmp_path / "first"
    trainer.main(tiny_run(three_frames, first, "optim.steps=1"))
    second = tmp_path / "second"
    trainer.main(
        tiny_run(
            three_frames,
            second,
            "optim.steps=1",
            "model.decoder_channels=128",  # the --init network's shape wins
            "optim.lovasz_weight=1",
            "optim.lovasz_pixels=1000",
            "model.refine_channels=16",
            "--init",
            str(first / "weights_step1.pt"),
        )
    )
    state = torch.load(second / "weights_step1.pt", weights_only=True)
    assert state["config"]["decoder_channels"] == 64
    assert state["config"]["refine_channels"] == 16 and "refine.0.weight" in state["model"]


@pytest.mark.slow  # a training loop
def test_hyperprior_train_resume_and_export(three_frames, tmp_path, capsys):
    from selgan.hyperprior import load
    from selgan.train import hyperprior, hyperprior_export

    runs = []
    for lmbda in ("0.0003", "0.0015"):
        out = tmp_path / f"run{lmbda}"
        args = [f"data.root={three_frames}", "data.layout=folder", "data.crop=64", "model.n=8", "model.m=8"]
        hyperprior.main([*args, f"optim.lmbda={lmbda}", "optim.batch=2", "optim.steps=2", "--out", str(out)])
        runs.append(out)
    assert "at step 2" in capsys.readouterr().out
    hyperprior.main(["--out", str(runs[0]), "--resume", "--minutes", "0"])
    assert "resumed at step 2" in capsys.readouterr().out
    weights = tmp_path / "zoo" / "tiny-hyperprior.safetensors"
    weights.parent.mkdir()
    hyperprior_export.main([*map(str, runs), "-o", str(weights)])
    assert json.loads((weights.parent / "manifest.json").read_text())["models"]["tiny-hyperprior"]["kind"] == "baseline"
    baseline = load(weights)
    rgb = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    assert len(baseline.models) == 2 and baseline.decode(baseline.encode(rgb, 1)).shape == rgb.shape


def test_logit_adjustment_undoes_a_share_of_the_log_weight():
    weights = torch.tensor([1.0, math.e, math.e**2])
    assert torch.allclose(trainer.logit_adjustment(weights, 0.5), torch.tensor([0.0, -0.5, -1.0]))
    assert torch.equal(trainer.logit_adjustment(weights, 0.0), torch.zeros(3))


def test_the_class_bias_moves_the_decision_and_is_checked(tmp_path):
    cfg = SegNetConfig(arch="fpn", decoder_channels=64)
    net = build_segnet(cfg).eval()
    rgb = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    bias = torch.zeros(11)
    bias[3] = 100.0  # far above any score a random network gives: every pixel becomes class 3
    save_segmenter(net, cfg, "camvid", tmp_path / "biased.safetensors", class_bias=bias)
    save_segmenter(net, cfg, "camvid", tmp_path / "plain.safetensors")
    assert (load_segmenter(tmp_path / "biased.safetensors").predict(rgb) == 3).all()
    plain = load_segmenter(tmp_path / "plain.safetensors")
    assert plain.class_bias is None and not (plain.predict(rgb) == 3).all()
    with pytest.raises(SelganError, match="needs 11 values"):
        save_segmenter(net, cfg, "camvid", tmp_path / "bad.safetensors", class_bias=torch.zeros(5))


def test_a_plain_fpn_loads_into_a_refined_one_whose_head_starts_as_a_no_op():
    torch.manual_seed(0)
    plain = build_segnet(SegNetConfig(arch="fpn", decoder_channels=64)).eval()
    refined = build_segnet(SegNetConfig(arch="fpn", decoder_channels=64, refine_channels=16)).eval()
    load_network_state(refined, plain.state_dict())
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        features = plain.encoder(x)
        coarse = plain.segmentation_head[0](plain.decoder(features))
        out = refined(x)
    # The zero-initialised head adds nothing: the output is FPN's 1/4-resolution scores, upsampled.
    half = F.interpolate(coarse, size=(32, 48), mode="bilinear", align_corners=True)
    assert out.shape == (1, 11, 64, 96)
    assert torch.allclose(out, F.interpolate(half, size=(64, 96), mode="bilinear", align_corners=True), atol=1e-5)
    with pytest.raises(SelganError, match="do not fit"):
        load_network_state(plain, refined.state_dict())
    with pytest.raises(SelganError, match="do not fit"):
        load_network_state(build_segnet(SegNetConfig(arch="fpn", decoder_channels=128)), plain.state_dict())
    with pytest.raises(SelganError, match="fpn architecture"):
        build_segnet(SegNetConfig(arch="deeplabv3plus", refine_channels=16))


def test_a_soup_averages_shared_tensors_and_keeps_the_head_only_one_network_has():
    from selgan.train.segmenter_export import average_states

    refined = {"w": torch.tensor([2.0]), "refine.w": torch.tensor([5.0]), "steps": torch.tensor(7)}
    plain = {"w": torch.tensor([4.0]), "steps": torch.tensor(9)}
    soup = average_states([refined, plain])
    assert soup["w"].item() == 3.0 and soup["refine.w"].item() == 5.0 and soup["steps"].item() == 7
