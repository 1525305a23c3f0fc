"""The offline EfficientNet-Lite weights: key mapping, checksum, real ImageNet behaviour, frozen pyramid."""

import numpy as np
import pytest
import torch
from conftest import ROOT
from PIL import Image

from selgan.backbones import FeaturePyramid, efficientnet_lite_state_dict, load_efficientnet_lite
from selgan.backbones.efficientnet_lite import map_keys, weights_file
from selgan.errors import ModelNotFoundError

DASHCAM = ROOT.parent / "shared" / "images" / "comma2k19_dashcam.png"
# ImageNet classes of road vehicles and their parts (sports car, convertible, minivan, cab, grille, car mirror, ...).
ROAD_VEHICLES = {407, 436, 468, 475, 511, 581, 609, 627, 656, 661, 717, 734, 751, 817, 864, 867}


def test_every_key_of_the_wheel_maps_onto_timm():
    raw = torch.load(weights_file("efficientnet_lite0"), map_location="cpu", weights_only=True)
    mapped = map_keys(raw, (1, 2, 2, 3, 3, 4, 1))
    net = load_efficientnet_lite(pretrained=False)
    assert set(mapped) == set(net.state_dict()) and len(mapped) == len(raw) == 296
    net.load_state_dict(mapped)  # strict: shapes agree too


def test_same_logits_as_the_reference_architecture():
    reference_pkg = pytest.importorskip("efficientnet_lite_pytorch")
    reference = reference_pkg.EfficientNet.from_name("efficientnet-lite0")
    reference.load_state_dict(torch.load(weights_file("efficientnet_lite0"), map_location="cpu", weights_only=True))
    x = torch.rand(2, 3, 224, 224) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(reference.eval()(x), load_efficientnet_lite().eval()(x), atol=1e-5)


def test_a_street_photo_is_seen_as_road_vehicles():
    if not DASHCAM.is_file():
        pytest.skip(f"{DASHCAM} not found")
    image = np.array(Image.open(DASHCAM).convert("RGB").resize((299, 224), Image.BICUBIC))
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        top5 = load_efficientnet_lite().eval()(x * 2 - 1).topk(5).indices[0].tolist()
    assert len(ROAD_VEHICLES & set(top5)) >= 2, top5


def test_a_damaged_weights_file_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "efficientnet-lite0-57934424.pth"
    bad.write_bytes(b"not the weights")
    import selgan.backbones.efficientnet_lite as lite

    monkeypatch.setattr(lite, "weights_file", lambda variant: bad)
    with pytest.raises(ModelNotFoundError, match="sha256"):
        efficientnet_lite_state_dict()
    with pytest.raises(ModelNotFoundError, match="unknown backbone"):
        efficientnet_lite_state_dict("efficientnet_lite9")


def test_feature_pyramid_is_frozen_and_stays_in_eval_mode():
    pyramid = FeaturePyramid()
    pyramid.train()
    assert not pyramid.training and not any(p.requires_grad for p in pyramid.parameters())
    x = torch.rand(1, 3, 64, 96, requires_grad=True)
    features = pyramid(x)
    assert [f.shape[1] for f in features] == list(pyramid.channels) == [24, 40, 112, 320]
    assert [f.shape[-1] for f in features] == [24, 12, 6, 3]
    sum(f.mean() for f in features).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # gradients reach the image, not the weights
