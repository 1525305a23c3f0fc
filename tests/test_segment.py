import numpy as np
import pytest
import torch
from PIL import Image

import selgan
from selgan.errors import ImageError, ModelNotFoundError, SelganError, UnknownClassError
from selgan.segment import SegMap, get_mapping, get_segmenter, get_vocabulary, load_vocabulary, read_label_png
from selgan.segment.detectron2_backend import Detectron2Segmenter, outputs_to_labels
from selgan.segment.labelfile import label_path_for
from selgan.segment.smp_net import ARCHITECTURES, SegNetConfig, build_segnet

# Transcribed from cityscapesScripts' helpers/labels.py: labelId -> trainId (255 = ignored).
OFFICIAL_TRAIN_IDS = [
    255,
    255,
    255,
    255,
    255,
    255,
    255,
    0,
    1,
    255,
    255,
    2,
    3,
    4,
    255,
    255,
    255,
    5,
    255,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    255,
    255,
    16,
    17,
    18,
]


def test_cityscapes_train_ids_match_the_official_table():
    mapping = get_mapping("cityscapes", "cityscapes_train")
    expected = [19 if t == 255 else t for t in OFFICIAL_TRAIN_IDS]
    assert mapping.table.tolist() == expected
    assert get_vocabulary("cityscapes").num_classes == 34 and get_vocabulary("cityscapes_train").num_classes == 20
    names = get_vocabulary("cityscapes_train").class_names
    assert names[:3] == ("road", "sidewalk", "building") and names[18] == "bicycle"


def test_direct_mapping_agrees_with_composition_through_train_ids():
    direct = get_mapping("cityscapes", "camvid").table
    via = get_mapping("cityscapes_train", "camvid").table[get_mapping("cityscapes", "cityscapes_train").table]
    evaluated = [i for i, t in enumerate(OFFICIAL_TRAIN_IDS) if t != 255]
    assert (direct[evaluated] == via[evaluated]).all()
    identity = get_mapping("camvid", "camvid")
    labels = np.arange(12).reshape(3, 4)
    assert (identity(labels) == labels).all()
    with pytest.raises(SelganError, match="no mapping"):
        get_mapping("camvid", "cityscapes")


def test_file_backend_on_the_cityscapes_sample(camvid):
    root = camvid.parent / "cityscapes_sample"
    image = sorted((root / "leftImg8bit/train/aachen").glob("*_leftImg8bit.png"))[0]
    assert label_path_for(image).is_file()
    segmap = selgan.segment(image, backend="file", label_vocab="cityscapes")
    assert segmap.size == (2048, 1024) and segmap.vocab.name == "cityscapes"
    assert 0 <= segmap.labels.min() and segmap.labels.max() < 34
    names = [c.name for c in segmap.classes_present()]
    assert "road" in names and abs(sum(c.share for c in segmap.classes_present()) - 1) < 1e-9
    camvid_map = selgan.segment(image, backend="file", label_vocab="cityscapes", vocab="camvid")
    assert camvid_map.vocab.name == "camvid" and camvid_map.labels.max() <= 11


def test_val_only_label_maps_read_and_checked(camvid):
    root = camvid.parent / "cityscapes_sample"
    path = sorted((root / "gtFine/val/frankfurt").glob("*_labelIds.png"))[0]
    labels = read_label_png(path, get_vocabulary("cityscapes"))
    assert labels.shape == (1024, 2048)
    with pytest.raises(ImageError, match="2048×1024 but the image is 480×360"):
        read_label_png(path, get_vocabulary("cityscapes"), size=(480, 360))
    with pytest.raises(ImageError, match="not in the camvid vocabulary"):
        read_label_png(path, get_vocabulary("camvid"))


def test_rgb_palette_labels(tmp_path):
    vocab = get_vocabulary("camvid")
    ids = np.array([[0, 3], [8, 9]])
    Image.fromarray(vocab.palette()[ids]).save(tmp_path / "c.png")
    assert (read_label_png(tmp_path / "c.png", vocab) == ids).all()
    Image.fromarray(np.full((2, 2, 3), 7, np.uint8)).save(tmp_path / "bad.png")
    with pytest.raises(ImageError, match=r"colours \(7, 7, 7\)"):
        read_label_png(tmp_path / "bad.png", vocab)


def test_user_vocabulary_yaml(tmp_path):
    (tmp_path / "v.yaml").write_text(
        "name: mine\nignore_id: 2\nclasses:\n  - {name: grass, color: [0, 200, 0]}\n"
        "  - {name: Dog, color: [200, 0, 0], thing: true}\n  - {name: none}\nsynonyms: {puppy: dog}\n"
    )
    vocab = load_vocabulary(tmp_path / "v.yaml")
    assert vocab.class_id("PUPPY") == 1 and vocab.thing_ids == (1,) and vocab.ignore_id == 2
    with pytest.raises(UnknownClassError, match="grass, dog, none"):
        vocab.class_id("cat")
    (tmp_path / "w.yaml").write_text("name: x\nclasses: 3\n")
    with pytest.raises(SelganError, match="not a vocabulary file"):
        load_vocabulary(tmp_path / "w.yaml")


def test_segmap_resize_colour_overlay_overrides():
    segmap = SegMap(np.array([[0, 3], [8, 11]]), get_vocabulary("camvid"))
    big = segmap.resize((4, 4))
    assert big.labels.shape == (4, 4) and set(np.unique(big.labels)) == {0, 3, 8, 11}
    assert segmap.to_color().getpixel((1, 0)) == (128, 64, 128)
    assert segmap.overlay(np.zeros((2, 2, 3), np.uint8), alpha=1.0).getpixel((0, 1)) == (64, 0, 128)
    edited = segmap.with_overrides(np.array([[True, False], [False, False]]), 5)
    assert edited.labels[0, 0] == 5 and segmap.labels[0, 0] == 0
    with pytest.raises(ImageError):
        segmap.with_overrides(np.ones((3, 3), bool), 5)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_segmenter_networks_start_from_imagenet_weights(arch):
    from selgan.backbones import efficientnet_lite_state_dict

    torch.manual_seed(0)
    net = build_segnet(SegNetConfig(arch=arch, decoder_channels=64), pretrained_encoder=True).eval()
    reference = efficientnet_lite_state_dict()
    encoder = net.encoder.model.state_dict()
    assert all(torch.equal(encoder[k], reference[k]) for k in encoder)
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        a, b = net(x), net(x)
    assert a.shape == (1, 11, 64, 96) and torch.equal(a, b)
    with pytest.raises(SelganError, match="unknown segmenter architecture"):
        build_segnet(SegNetConfig(arch="unet"))


def test_builtin_backend_from_the_zoo(use_tiny_zoo, val_frame):
    segmap = get_segmenter("builtin", name="tiny-seg").segment(val_frame[0])
    assert segmap.size == (480, 360) and segmap.labels.max() < 11
    # Confidence is the winning class's probability: in [1/11, 1], resized and overridden with the labels.
    assert segmap.confidence.shape == (360, 480) and segmap.confidence.min() >= 1 / 11 - 1e-6
    assert segmap.confidence.max() <= 1 + 1e-6
    small = segmap.resize((240, 180))
    assert small.confidence.shape == (180, 240)
    painted = segmap.with_overrides(np.ones((360, 480), bool), 3)
    assert painted.confidence.min() == 1.0 and not painted.uncertain().any()
    assert segmap.uncertain(1.01).all()
    with pytest.raises(ModelNotFoundError, match="unknown model"):
        get_segmenter("builtin", name="nope")


def test_codec_uses_its_segmenter_when_no_labels_are_given(use_tiny_zoo, val_frame):
    codec = selgan.load("tiny-test")
    bs = codec.compress(val_frame[0], preserve=["car", "road", "sky", "building", "tree"])
    assert "labels" in bs.streams and codec.decompress(bs).size == (480, 360)


def test_torchvision_backend_with_a_local_checkpoint(tmp_path, monkeypatch, val_frame):
    import torchvision.models.segmentation as tvseg

    from selgan.segment.torchvision_backend import TorchvisionSegmenter, cached_weights_path

    net = tvseg.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=21)
    torch.save(net.state_dict(), tmp_path / "lraspp.pth")
    seg = TorchvisionSegmenter("lraspp_mobilenet_v3_large", weights=tmp_path / "lraspp.pth")
    segmap = seg.segment(val_frame[0])
    assert segmap.vocab.name == "voc" and segmap.size == (480, 360)
    assert segmap.to_vocabulary("camvid").labels.max() <= 11
    # torchvision's own cache is found without a download
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "hub"))
    cached = cached_weights_path("lraspp_mobilenet_v3_large")
    cached.parent.mkdir(parents=True)
    (tmp_path / "lraspp.pth").rename(cached)
    assert TorchvisionSegmenter("lraspp_mobilenet_v3_large").segment(val_frame[0]).size == (480, 360)
    with pytest.raises(SelganError, match="unknown torchvision architecture"):
        TorchvisionSegmenter("segformer")
    (tmp_path / "junk.pth").write_bytes(b"junk")
    with pytest.raises(ModelNotFoundError, match="not a readable"):
        TorchvisionSegmenter("lraspp_mobilenet_v3_large", weights=tmp_path / "junk.pth")


class StandInPredictor:
    """Behaves like detectron2's DefaultPredictor: BGR uint8 in, dict of tensors out."""

    def __init__(self, outputs):
        self.outputs, self.seen = outputs, None

    def __call__(self, bgr):
        self.seen = bgr
        return self.outputs


def test_detectron2_semantic_and_panoptic_conversion():
    vocab = get_vocabulary("cityscapes_train")
    scores = torch.zeros(19, 2, 3)
    scores[13, 0, :] = 1  # car on the top row
    scores[0, 1, :] = 1  # road below
    predictor = StandInPredictor({"sem_seg": scores})
    image = np.zeros((2, 3, 3), np.uint8)
    image[..., 0] = 255  # red in RGB
    segmap = Detectron2Segmenter(predictor, vocab).segment(image)
    assert segmap.labels.tolist() == [[13, 13, 13], [0, 0, 0]]
    assert predictor.seen[0, 0].tolist() == [0, 0, 255]  # the predictor got BGR
    panoptic = (
        torch.tensor([[1, 1, 2], [2, 0, 0]]),
        [{"id": 1, "category_id": 11, "isthing": True}, {"id": 2, "category_id": 5, "isthing": False}],
    )
    labels = outputs_to_labels({"panoptic_seg": panoptic}, vocab, {11: 11, 5: 10})
    assert labels.tolist() == [[11, 11, 10], [10, 19, 19]]
    with pytest.raises(SelganError, match="neither"):
        outputs_to_labels({"instances": None}, vocab, None)


def test_detectron2_absent_says_how_to_install():
    pytest.importorskip("torch")
    try:
        import detectron2  # noqa: F401

        pytest.skip("detectron2 is installed here")
    except ImportError:
        pass
    with pytest.raises(SelganError, match="detectron2 is not installed.*source"):
        get_segmenter("detectron2", config="c.yaml", weights="w.pkl")
