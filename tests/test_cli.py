import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from selgan.cli import main


@pytest.fixture()
def frame(tmp_path, val_frame):
    return val_frame


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_compress_info_decompress(use_tiny_zoo, frame, tmp_path, capsys):
    image, labels = frame
    sgc = tmp_path / "a.sgc"
    code, out, _ = run(
        capsys, "compress", image, "-o", sgc, "--model", "tiny-test", "--labels", labels, "--preserve", "car,person"
    )
    assert code == 0 and sgc.is_file() and "bpp" in out
    code, out, _ = run(capsys, "info", sgc)
    assert code == 0 and "tiny-test" in out and "selective" in out and "latent" in out and "480×360" in out
    png = tmp_path / "a.png"
    code, out, _ = run(capsys, "decompress", sgc, "-o", png)
    assert code == 0 and Image.open(png).size == (480, 360)


def test_several_inputs_to_folder(use_tiny_zoo, camvid, tmp_path, capsys):
    images = sorted((camvid / "val").glob("*.png"))[:2]
    code, _, err = run(
        capsys,
        "compress",
        *images,
        "-o",
        tmp_path / "out",
        "--model",
        "tiny-test",
        "--labels",
        camvid / "valannot",
        "--preserve",
        "car",
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{p.stem}.sgc" for p in images)


def test_models_lists_the_zoo(use_tiny_zoo, capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0 and "tiny-test" in out


@pytest.mark.parametrize(
    "make_args, message",
    [
        (
            lambda d, img, lab: ["compress", d / "missing.png", "-o", d / "x.sgc", "--model", "tiny-test"],
            "no such file",
        ),
        (
            lambda d, img, lab: ["compress", d / "not_image.png", "-o", d / "x.sgc", "--model", "tiny-test"],
            "not a readable image",
        ),
        (
            lambda d, img, lab: [
                "compress",
                img,
                "-o",
                d / "x.sgc",
                "--model",
                "tiny-test",
                "--labels",
                lab,
                "--preserve",
                "unicorn",
            ],
            "unknown class 'unicorn'; valid classes for camvid: sky, building",
        ),
        (
            lambda d, img, lab: ["compress", img, "-o", d / "x.sgc", "--model", "nope"],
            "unknown model 'nope'; known codec models: tiny-test",
        ),
        (lambda d, img, lab: ["decompress", d / "not_image.png", "-o", d / "x.png"], "not a selgan .sgc file"),
        (lambda d, img, lab: ["info", d / "missing.sgc"], "cannot read"),
    ],
)
def test_user_errors_one_line_exit_2_no_output(use_tiny_zoo, frame, tmp_path, capsys, make_args, message):
    (tmp_path / "not_image.png").write_bytes(b"this is text, not a PNG")
    code, _, err = run(capsys, *make_args(tmp_path, *frame))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("selgan: error: ") and message in err
    assert not (tmp_path / "x.sgc").exists() and not (tmp_path / "x.png").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_no_traceback_from_a_real_process(use_tiny_zoo, tmp_path):
    env = {**os.environ, "SELGAN_HOME": os.environ["SELGAN_HOME"]}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "selgan",
            "compress",
            str(tmp_path / "nope.png"),
            "-o",
            str(tmp_path / "o.sgc"),
            "--model",
            "tiny-test",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "no such file" in result.stderr


def test_segment_and_eval_seg(use_tiny_zoo, camvid, tmp_path, capsys):
    images = sorted((camvid / "val").glob("*.png"))[:2]
    code, out, _ = run(capsys, "segment", *images, "-o", tmp_path / "seg", "--backend", "file")
    assert code == 0
    labels = np.asarray(Image.open(tmp_path / "seg" / f"{images[0].stem}_labels.png"))
    assert (labels == np.asarray(Image.open(camvid / "valannot" / images[0].name))).all()
    assert (tmp_path / "seg" / f"{images[1].stem}_overlay.png").is_file()
    # `selgan segment`'s output folder is a label folder for `selgan eval --labels`; a missing label is one line.
    photos = tmp_path / "photos"
    photos.mkdir()
    for image in images:
        (photos / image.name).write_bytes(image.read_bytes())
    evaluate = [
        "eval",
        "--model",
        "tiny-test",
        "--data",
        photos,
        "--labels",
        tmp_path / "seg",
        "--baselines",
        "",
        "--curve-images",
        "0",
        "--no-kid",
        "--out",
        tmp_path / "report",
    ]
    code, out, _ = run(capsys, *evaluate)
    assert code == 0 and "2 images" in out
    (photos / "extra.png").write_bytes(images[0].read_bytes())
    code, _, err = run(capsys, *evaluate)
    assert code == 2 and "no label file extra.png or extra_labels.png" in err and "Traceback" not in err
    code, out, _ = run(capsys, "eval-seg", "--data", camvid, "--limit", "2", "--backend", "file")
    assert code == 0 and "| **mIoU** | **100.0** |" in out and "| pixel accuracy | 100.0 |" in out
    code, _, err = run(capsys, "eval-seg", "--data", camvid, "--limit", "2")  # default 'camvid-seg' is not in this zoo
    assert code == 2 and "unknown model 'camvid-seg'; known segmenter models: tiny-seg" in err


def test_segment_unknown_backend(capsys, tmp_path):
    code, _, err = run(capsys, "segment", tmp_path / "x.png", "-o", tmp_path, "--backend", "magic")
    assert code == 2 and "unknown segmenter backend 'magic'" in err
