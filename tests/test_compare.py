"""`selgan compare` / selgan.compare: the same numbers as `selgan eval`, for one pair."""

import json

import numpy as np
import pytest
from PIL import Image

import selgan
from selgan.cli import main
from selgan.errors import ImageError
from selgan.eval.evaluate import Sample, image_rows
from selgan.metrics import psnr


@pytest.fixture()
def frame(val_frame):
    image = np.asarray(Image.open(val_frame[0]).convert("RGB"))
    labels = np.asarray(Image.open(val_frame[1]))
    return image, labels


def test_compare_agrees_with_eval_on_the_same_file(use_tiny_zoo, frame, tiny_codec):
    image, labels = frame
    codec = selgan.load("tiny-test")
    rows, _ = image_rows(codec, Sample("frame", image, labels), ["car", "road"], (), (1,), None)
    data = codec.compress(image, labels=labels, preserve=["car", "road"]).to_bytes()
    result = selgan.compare(image, data)
    eval_row = rows[0]
    for key in ("psnr", "psnr_preserved", "psnr_synthesised", "psnr_lowfreq", "psnr_lowfreq_synthesised"):
        assert result[key] == pytest.approx(eval_row[key], abs=0.01), key
    assert result["msssim"] == pytest.approx(eval_row["msssim"], abs=1e-6)
    assert result["bytes"] == eval_row["bytes"] == len(data)
    assert result["bpp"] == pytest.approx(eval_row["bpp"])
    assert result["ratio"] == pytest.approx(image.size / len(data))


def test_compare_an_image_reconstruction_and_the_cli(use_tiny_zoo, frame, tmp_path, capsys):
    image, labels = frame
    original = tmp_path / "original.png"
    Image.fromarray(image).save(original)
    sgc = tmp_path / "frame.sgc"
    assert main(["compress", str(original), "-o", str(sgc), "--model", "tiny-test"]) == 0
    recon = tmp_path / "recon.png"
    assert main(["decompress", str(sgc), "-o", str(recon)]) == 0
    capsys.readouterr()
    assert main(["compare", str(original), str(sgc), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert main(["compare", str(original), str(recon), "--json"]) == 0
    from_image = json.loads(capsys.readouterr().out)
    # The same pixels: the same fidelity; the image knows nothing of regions and has its own (PNG) size.
    assert from_image["psnr"] == pytest.approx(from_file["psnr"], abs=1e-9)
    assert "psnr_synthesised" not in from_image and from_image["bytes"] == recon.stat().st_size
    assert from_file["ratio_to_original"] == pytest.approx(original.stat().st_size / sgc.stat().st_size)
    assert main(["compare", str(original), str(sgc)]) == 0
    text = capsys.readouterr().out
    assert "PSNR" in text and "bpp" in text and "ratio to 24-bit" in text


def test_compare_mistakes_are_one_clear_message(use_tiny_zoo, frame, tmp_path, capsys):
    image, _ = frame
    small = tmp_path / "small.png"
    Image.fromarray(image[:100, :100]).save(small)
    with pytest.raises(ImageError, match="the reconstruction is 100×100, the original 480×360"):
        selgan.compare(image, small)
    assert main(["compare", str(small), str(tmp_path / "missing.sgc")]) == 2
    assert "missing.sgc: no such file" in capsys.readouterr().err


def test_regions_of_an_image_from_labels_or_the_segmenter(use_tiny_zoo, frame, tmp_path, capsys):
    image, labels = frame
    codec = selgan.load("tiny-test")
    data = codec.compress(image, labels=labels, preserve=["car", "road"]).to_bytes()
    recon = np.asarray(selgan.decompress(data))
    wanted = np.isin(labels, codec.class_ids(["car", "road"]))
    assert 0 < wanted.mean() < 1
    # Regions are the label map's pixels of the chosen classes (not the file's latent cells).
    result = selgan.compare(image, recon, labels=labels, preserve="car,road")
    assert result["preserved_share"] == pytest.approx(wanted.mean())
    assert result["psnr_preserved"] == pytest.approx(psnr(image, recon, wanted))
    assert result["psnr_synthesised"] == pytest.approx(psnr(image, recon, ~wanted))
    # The segmenter's labels: the same regions compress would see without labels.
    segmented = np.isin(codec.label_map(image), codec.class_ids(["car", "road"]))
    by_segmenter = selgan.compare(image, recon, segment=True, preserve=["car", "road"])
    assert by_segmenter["preserved_share"] == pytest.approx(segmented.mean())
    # From the command line, with a label PNG.
    paths = {name: tmp_path / f"{name}.png" for name in ("original", "recon", "labels")}
    Image.fromarray(image).save(paths["original"])
    Image.fromarray(recon).save(paths["recon"])
    Image.fromarray(labels.astype(np.uint8)).save(paths["labels"])
    args = ["compare", str(paths["original"]), str(paths["recon"]), "--labels", str(paths["labels"])]
    assert main([*args, "--preserve", "car,road", "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    assert from_cli["psnr_synthesised"] == pytest.approx(result["psnr_synthesised"], abs=1e-9)
    assert main([*args, "--preserve", "car,road"]) == 0
    assert "synthesised" in capsys.readouterr().out


def test_region_mistakes_are_one_clear_message(use_tiny_zoo, frame, tmp_path, capsys):
    image, labels = frame
    with pytest.raises(ImageError, match="name them"):
        selgan.compare(image, image, labels=labels, preserve="all")
    with pytest.raises(ImageError, match="label map is 100×100 but the image is 480×360"):
        selgan.compare(image, image, labels=labels[:100, :100], preserve="car")
    original = tmp_path / "original.png"
    Image.fromarray(image).save(original)
    # tiny-test ships no default preserve set: the user is told to name the classes.
    assert main(["compare", str(original), str(original), "--segment"]) == 2
    assert "no default preserve set: name the classes" in capsys.readouterr().err
    assert main(["compare", str(original), str(original), "--preserve", "car"]) == 2
    assert "--preserve and --model choose the regions of --labels or --segment" in capsys.readouterr().err
    missing = str(tmp_path / "none.png")
    assert main(["compare", str(original), str(original), "--labels", missing, "--preserve", "car"]) == 2
    assert "no such label file" in capsys.readouterr().err
