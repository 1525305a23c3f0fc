import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from selgan.datasets import camvid_pairs, cityscapes_pairs, folder_pairs
from selgan.errors import SelganError
from selgan.gan import MultiScaleDiscriminator, discriminator_loss, feature_matching_loss, generator_adversarial_loss
from selgan.gan.losses import distortion_loss
from selgan.labels.vocab import get_mapping
from selgan.train.config import (
    HyperpriorTrainConfig,
    SegmenterTrainConfig,
    TrainConfig,
    load_sections,
    load_train_config,
)
from selgan.train.data import PairDataset
from selgan.train.run import train_main

ROOT = Path(__file__).resolve().parent.parent
SMOKE = str(ROOT / "configs" / "tiny_smoke.yaml")


def test_cityscapes_reader_on_the_sample(camvid):
    root = camvid.parent / "cityscapes_sample"
    pairs = cityscapes_pairs(root, "train")
    assert len(pairs) == 8 and all(label.name.endswith("_gtFine_labelIds.png") for _, label in pairs)
    data = PairDataset(
        pairs,
        crop=128,
        flip=True,
        scale_range=(0.25, 0.25),
        pad_label=11,
        label_mapping=get_mapping("cityscapes", "camvid"),
    )
    x, labels = data[0]
    assert x.shape == (3, 128, 128) and labels.shape == (128, 128) and int(labels.max()) <= 11
    with pytest.raises(SelganError, match="no such folder"):
        cityscapes_pairs(root, "test")


def test_camvid_reader_and_deterministic_augmentation(camvid):
    data = PairDataset(camvid_pairs(camvid, "train")[:3], crop=96, flip=True, scale_range=(0.5, 1.5), seed=3)
    a, b = data[1], data[1]
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    data.set_epoch(1)
    assert not torch.equal(data[1][0], a[0])  # a new epoch draws new crops


def test_folder_reader_and_its_errors(camvid, tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    for image, label in camvid_pairs(camvid, "val")[:2]:
        (tmp_path / "images" / image.name).write_bytes(image.read_bytes())
        (tmp_path / "labels" / image.name).write_bytes(label.read_bytes())
    assert len(folder_pairs(tmp_path)) == 2
    extra = tmp_path / "images" / "zzz.png"
    extra.write_bytes(camvid_pairs(camvid, "val")[2][0].read_bytes())
    with pytest.raises(SelganError, match="zzz.png: no label file"):
        folder_pairs(tmp_path)
    from PIL import Image

    Image.new("L", (10, 10)).save(tmp_path / "labels" / "zzz.png")
    with pytest.raises(SelganError, match="zzz.png: label map is 10×10 but zzz.png is 480×360"):
        PairDataset(folder_pairs(tmp_path), 64, False)
    with pytest.raises(SelganError, match="no such folder"):
        folder_pairs(tmp_path / "nope")


def test_discriminator_outputs_nested_scales_and_layers():
    disc = MultiScaleDiscriminator(num_classes=12, num_scales=3, base_width=8, num_layers=3)
    out = disc(disc.embed(torch.rand(2, 3, 128, 128)), torch.rand(2, 12, 16, 16))
    assert len(out) == 3 and all(len(scale) == 5 for scale in out)
    assert out[0][-1].shape[1] == 1 and out[1][0].shape[-1] == out[0][0].shape[-1] // 2
    assert MultiScaleDiscriminator(12, 2, 8, 2, spectral_norm=True)([torch.rand(1, 3, 32, 32)], torch.rand(1, 12, 4, 4))


def test_losses_on_known_inputs():
    ones, zeros = [[torch.ones(1, 1, 2, 2)]], [[torch.zeros(1, 1, 2, 2)]]
    assert discriminator_loss("lsgan", ones, zeros) == 0  # perfect discriminator
    assert generator_adversarial_loss("lsgan", zeros) == pytest.approx(0.5)
    assert discriminator_loss("hinge", ones, [[-torch.ones(1, 1, 2, 2)]]) == 0
    assert generator_adversarial_loss("nonsaturating", [[torch.zeros(1, 1)]]) == pytest.approx(np.log(2))
    feats = [[torch.full((1, 2), 3.0), torch.zeros(1)]]
    assert feature_matching_loss(feats, [[torch.full((1, 2), 1.0), torch.zeros(1)]]) == pytest.approx(2.0)
    x, y = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    mask = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    assert distortion_loss(y, x, None) == 1 and distortion_loss(y, x, mask) == pytest.approx(0.25)
    assert distortion_loss(2 * y, x, None, "l1") == 2


def test_unknown_config_keys_and_bad_overrides():
    with pytest.raises(SelganError, match="optim.stepz"):
        load_train_config(SMOKE, ["optim.stepz=3"])
    with pytest.raises(SelganError, match="section.key=value"):
        load_train_config(SMOKE, ["steps=3"])
    with pytest.raises(SelganError, match="unknown config section"):
        load_train_config(SMOKE, ["optimizer.steps=3"])
    # Every preset loads with its trainer's config (configs/segmenter, configs/hyperprior, else the codec's).
    trainers = {"segmenter": SegmenterTrainConfig, "hyperprior": HyperpriorTrainConfig}
    for preset in sorted((ROOT / "configs").rglob("*.yaml")):
        load_sections(trainers.get(preset.parent.name, TrainConfig), str(preset))


def test_overrides_are_typed_by_their_field():
    # YAML reads 1e-4 as a string and 1 as an int: both must become the float the field holds.
    cfg = load_train_config(
        SMOKE, ["optim.lr=1e-4", "optim.lr_disc=1", "optim.steps=12.0", "data.scale_range=[0.5, 1]"]
    )
    assert cfg.optim.lr == 1e-4 and isinstance(cfg.optim.lr, float)
    assert cfg.optim.lr_disc == 1.0 and isinstance(cfg.optim.lr_disc, float)
    assert cfg.optim.steps == 12 and isinstance(cfg.optim.steps, int)
    assert cfg.data.scale_range == (0.5, 1.0)
    for bad, message in [
        ("optim.lr=fast", "optim.lr must be a number"),
        ("optim.steps=2.5", "optim.steps must be a whole"),
        ("disc.spectral_norm=1", "disc.spectral_norm must be true or false"),
        ("data.layout=3", "data.layout must be a string"),
        ("data.scale_range=2", "data.scale_range must be a list"),
    ]:
        with pytest.raises(SelganError, match=bad.split("=")[0]) as caught:
            load_train_config(SMOKE, [bad])
        assert message in str(caught.value)


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def run(camvid, out, *overrides, resume=False):
    base = [f"data.root={camvid}", "run.eval_every=1000", "run.threads=1"]
    return train_main(SMOKE, out, base + list(overrides), resume, float("inf"))


@pytest.mark.slow  # a training loop
def test_short_run_lowers_distortion(camvid, tmp_path):
    run(
        camvid,
        tmp_path / "a",
        "optim.steps=80",
        "optim.warmup_steps=80",
        "optim.lr=0.002",
        "optim.p_full=1.0",
        "optim.batch=4",
        "run.log_every=20",
    )
    distortion = [r["distortion"] for r in records(tmp_path / "a") if "distortion" in r]  # means over 20 steps
    assert len(distortion) == 4 and distortion[-1] < 0.75 * distortion[0]


@pytest.mark.slow  # a training loop
def test_resume_equals_uninterrupted(camvid, tmp_path):
    run(camvid, tmp_path / "full", "optim.steps=6")
    run(camvid, tmp_path / "split", "optim.steps=3")
    with pytest.raises(SelganError, match="--resume"):
        run(camvid, tmp_path / "split", "optim.steps=6")
    # The preset's step count is in the checkpoint; continuing to 6 steps needs a resumable config.
    state = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=True)
    state["config"]["optim"]["steps"] = 6
    torch.save(state, tmp_path / "split" / "checkpoint.pt")
    with pytest.warns(UserWarning, match="overrides are ignored"):
        run(camvid, tmp_path / "split", resume=True)
    full = [r["loss"] for r in records(tmp_path / "full") if "loss" in r]
    split = [r["loss"] for r in records(tmp_path / "split") if "loss" in r]
    assert len(full) == 6 and full == pytest.approx(split, rel=1e-5)
    assert any("gan_d" in r for r in records(tmp_path / "full"))


@pytest.mark.slow  # two processes
def test_two_gloo_processes_hold_identical_weights(camvid, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(ROOT / "tests" / "ddp_worker.py"),
        SMOKE,
        str(tmp_path),
        f"data.root={camvid}",
        "optim.steps=4",
        "run.eval_every=2",
    ]  # an evaluation on rank 0 mid-run must not desynchronise the ranks
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert ranks[0]["world"] == ranks[1]["world"] == 2
    for part in ("codec", "disc"):
        for key, value in ranks[0][part].items():
            assert torch.equal(value, ranks[1][part][key]), f"{part}.{key} differs between ranks"
    assert (tmp_path / "checkpoint.pt").is_file() and not (tmp_path / "rank1" / "checkpoint.pt").exists()


@pytest.mark.slow  # a training loop
def test_export_a_trained_checkpoint_and_load_it(camvid, tmp_path, monkeypatch):
    import selgan
    from selgan.cli import main

    run(camvid, tmp_path / "run", "optim.steps=2")
    code = main(
        [
            "export",
            str(tmp_path / "run" / "checkpoint.pt"),
            "-o",
            str(tmp_path / "zoo" / "mini"),
            "--eval-images",
            "1",
            "--description",
            "smoke",
            "--preserve",
            "car,road",
        ]
    )
    assert code == 0
    card = (tmp_path / "zoo" / "mini.md").read_text()
    assert card.startswith("# mini") and "`selgan train`, 2 steps" in card and "| global | 1 |" in card
    assert "| selective (car, road) | 1 |" in card
    monkeypatch.setenv("SELGAN_HOME", str(tmp_path / "zoo"))
    codec = selgan.load("mini")
    image, labels = camvid_pairs(camvid, "val")[0]
    assert codec.decompress(codec.compress(image, labels=labels, preserve=["road"])).size == (480, 360)
    assert codec.default_preserve == ("car", "road")
    default = codec.compress(image, labels=labels, preserve="default")
    assert default.preserved_classes == (3, 8)
    # Shipped weights start a new run, by file or by name: their codec at step 0, tables left to export.
    shipped = selgan.weights.load_network(tmp_path / "zoo" / "mini.safetensors").state_dict()
    for n, source in enumerate((str(tmp_path / "zoo" / "mini.safetensors"), "mini")):
        out = tmp_path / f"from-{n}"
        assert main(["train", SMOKE, "--out", str(out), "--init", source, f"data.root={camvid}", "optim.steps=0"]) == 0
        state = torch.load(out / "checkpoint.pt", weights_only=True)
        tables = ("latent_model.freq_table", "label_model.table", "mask_model.table")
        assert state["step"] == 0 and all(state["model"][k].numel() == 0 for k in tables)
        assert all(torch.equal(state["model"][k], v) for k, v in shipped.items() if k not in tables)
    assert main(["train", SMOKE, "--out", str(tmp_path / "x"), "--init", str(tmp_path / "nothing.safetensors")]) == 2


def test_cli_overrides_may_follow_options(camvid, tmp_path):
    from selgan.cli import main

    out = tmp_path / "cli"
    assert main(["train", SMOKE, "--out", str(out), f"data.root={camvid}", "optim.steps=2", "run.eval_every=100"]) == 0
    assert main(["train", "--out", str(out), "--resume", "optim.steps=5"]) == 0  # resumed runs keep their config
    assert [r["step"] for r in records(out) if "loss" in r] == [1, 2]


def test_widening_the_latent_keeps_the_reconstruction(camvid, tmp_path):
    from selgan.codec import build_network
    from selgan.config import CodecConfig
    from selgan.train.widen import latent_channels_of, widen_latent

    small_cfg = dict(
        encoder_widths=(8, 8, 8, 16),
        generator_width=16,
        generator_blocks=1,
        upsample_widths=(16, 8, 8, 8),
        noise_channels=2,
    )
    torch.manual_seed(0)
    narrow = build_network(CodecConfig(latent_channels=2, **small_cfg)).eval()
    wide = build_network(CodecConfig(latent_channels=5, **small_cfg)).eval()
    wide.load_state_dict(widen_latent(narrow.state_dict(), wide))
    x, labels, mask = torch.rand(1, 3, 64, 64), torch.randint(0, 11, (1, 8, 8)), torch.ones(1, 1, 4, 4)
    outputs = []
    for model in (narrow, wide):
        torch.manual_seed(1)
        outputs.append(model(x, labels, mask)["x_hat"])
    assert torch.allclose(outputs[0], outputs[1], atol=1e-5)
    with pytest.raises(SelganError, match="only widening"):
        widen_latent(wide.state_dict(), narrow)
    # `selgan train --init` does it when the preset asks for more channels than the source has.
    run(camvid, tmp_path / "c4", "optim.steps=1")
    run_init = train_main(
        SMOKE,
        tmp_path / "c6",
        [f"data.root={camvid}", "run.threads=1", "model.latent_channels=6", "optim.steps=2"],
        False,
        float("inf"),
        tmp_path / "c4" / "checkpoint.pt",
    )
    assert run_init == 0
    state = torch.load(tmp_path / "c6" / "checkpoint.pt", weights_only=True)
    assert latent_channels_of(state["model"]) == 6 and state["step"] == 2


def test_auto_precision_is_bf16_only_where_the_cpu_has_it_natively(monkeypatch):
    from selgan.train.precision import amp_dtype

    cpu = torch.device("cpu")
    assert amp_dtype("none", cpu) is None and amp_dtype("bf16", cpu) is torch.bfloat16
    # The two hardware probes are what differ between machines; both ways are checked here.
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert amp_dtype("auto", cpu) is None
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert amp_dtype("auto", cpu) is torch.bfloat16
    with pytest.raises(SelganError, match="amp must be one of auto, bf16, none, not 'fp8'"):
        amp_dtype("fp8", cpu)


@pytest.mark.slow  # a training loop
def test_discriminators_side_by_side_train_and_resume(camvid, tmp_path):
    # A pixel PatchGAN and the frequency-domain critic together (issue 30): both step, both are checkpointed.
    kind = [
        "disc.kind=patch+fourier",
        "disc.weights=[1.0, 0.5]",
        "disc.fourier_window=32",
        "disc.fourier_width=4",
        "disc.spectral_norm=true",
        "optim.warmup_steps=1",
    ]
    run(camvid, tmp_path / "d", "optim.steps=3", *kind)
    logged = [r for r in records(tmp_path / "d") if "gan_d" in r]
    assert len(logged) == 2 and all(np.isfinite(r["gan_d"]) and np.isfinite(r["feature_matching"]) for r in logged)
    state = torch.load(tmp_path / "d" / "checkpoint.pt", weights_only=True)
    assert any(k.startswith("members.1.critic.") for k in state["discriminator"])
    state["config"]["optim"]["steps"] = 4
    torch.save(state, tmp_path / "d" / "checkpoint.pt")
    with pytest.warns(UserWarning, match="overrides are ignored"):
        run(camvid, tmp_path / "d", resume=True)
    assert records(tmp_path / "d")[-1]["step"] == 4


@pytest.mark.slow  # a training loop
def test_a_continuation_keeps_its_discriminator_and_snapshots_steps(camvid, tmp_path):
    from selgan.train.checkpoint import load_discriminator, save_discriminator

    kind = ["disc.kind=patch+fourier", "disc.fourier_window=32", "disc.fourier_width=4", "optim.warmup_steps=0"]
    run(camvid, tmp_path / "a", "optim.steps=2", "run.snapshot_every=1", *kind)
    assert sorted(p.name for p in (tmp_path / "a" / "snaps").iterdir()) == ["000001.pt", "000002.pt"]
    snap = torch.load(tmp_path / "a" / "snaps" / "000002.pt", weights_only=True)
    assert snap["step"] == 2 and all(v.dtype != torch.float32 for v in snap["model"].values())
    save_discriminator(tmp_path / "a" / "checkpoint.pt", tmp_path / "heads" / "disc.safetensors")  # a folder it makes
    weights, disc, step = load_discriminator(tmp_path / "heads" / "disc.safetensors")
    assert disc["kind"] == "patch+fourier" and step == 2
    out = tmp_path / "b"
    train_main(
        SMOKE,
        out,
        [f"data.root={camvid}", "run.threads=1", "optim.steps=2", *kind],
        False,
        float("inf"),
        init=tmp_path / "a" / "checkpoint.pt",
        init_discriminator=tmp_path / "heads" / "disc.safetensors",
    )
    # --init keeps the source's step (2 of 2): no step runs, so the saved discriminator is the loaded one.
    continued = torch.load(out / "checkpoint.pt", weights_only=True)["discriminator"]
    assert continued.keys() == weights.keys()
    assert all(torch.equal(continued[k].float(), weights[k]) for k in weights)
    with pytest.raises(SelganError, match="not disc.kind"):
        train_main(
            SMOKE,
            tmp_path / "c",
            [f"data.root={camvid}", "run.threads=1", "optim.steps=1"],
            False,
            float("inf"),
            init=tmp_path / "a" / "checkpoint.pt",
            init_discriminator=tmp_path / "heads" / "disc.safetensors",
        )
