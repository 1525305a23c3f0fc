"""Issue 13's recipe parts: DiffAugment, projected discriminator, perceptual loss, SPADE generator, photometric
augmentation."""

import numpy as np
import pytest
import torch
from conftest import TINY_CONFIG

from selgan.backbones import FeaturePyramid
from selgan.codec import build_network
from selgan.config import CodecConfig
from selgan.gan.augment import DiffAugment
from selgan.gan.perceptual import PerceptualLoss, build_perceptual_loss
from selgan.gan.projected import ProjectedDiscriminator
from selgan.train.photometric import camera_degradations, colour_jitter


@pytest.fixture(scope="module")
def pyramid():
    return FeaturePyramid()


def test_diffaugment_draws_once_for_real_and_fake():
    torch.manual_seed(0)
    image = torch.rand(3, 3, 32, 48)
    labels = torch.zeros(3, 2, 32, 48)
    labels[:, 0, 10:20, 10:30] = 1  # a box whose move must match the image's
    marked = image.clone()
    marked[:, :, 10:20, 10:30] = 5.0
    (a, b), (moved,) = DiffAugment(("translation",))([marked, marked.clone()], [labels])
    assert torch.equal(a, b)
    assert torch.equal(moved[:, 0] > 0.5, (a > 4.0).all(dim=1))  # labels moved exactly with the image
    (c, d), _ = DiffAugment()([image, image.clone()], [])
    assert torch.equal(c, d) and not torch.equal(c, image)
    with pytest.raises(ValueError, match="unknown augmentation"):
        DiffAugment(("rotate",))


def test_projected_discriminator_shapes_and_what_it_trains(pyramid):
    disc = ProjectedDiscriminator(pyramid, num_classes=12, projection_width=8, head_width=16)
    image, labels = torch.rand(2, 3, 128, 128), torch.rand(2, 12, 16, 16)
    out = disc(disc.embed(image), labels)
    assert len(out) == 4 and all(scale[-1].shape == (2, 1, 4, 4) for scale in out)  # patch logits at stride 32
    trainable = [n for n, p in disc.named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith("heads.") for n in trainable)
    disc.train()
    assert not disc.features.training


def test_perceptual_loss_counts_only_where_weighted(pyramid):
    loss = PerceptualLoss(pyramid, "efficientnet_lite0")
    x = torch.rand(1, 3, 128, 128)
    changed = x.clone()
    changed[..., :, 96:] = torch.rand(1, 3, 128, 32)  # right quarter differs
    left_half = torch.zeros(1, 1, 128, 128)
    left_half[..., :, :48] = 1
    assert loss(x, x) == 0
    assert loss(changed, x, left_half) < 0.2 * loss(changed, x)
    assert build_perceptual_loss("none") is None
    assert build_perceptual_loss("efficientnet", pyramid).features is pyramid


def test_spade_codec_tiles_without_seams_and_takes_noise_per_stage():
    torch.manual_seed(0)
    model = build_network(CodecConfig(**{**TINY_CONFIG, "generator": "spade"})).eval()
    assert [f for _, f in model.generator.noise_shapes()] == [1, 2, 4, 8, 16]
    z_hat = model.quantizer.dequantize(torch.randint(0, 5, (1, 4, 12, 20)))
    one_hot = torch.nn.functional.one_hot(torch.randint(0, 12, (1, 24, 40)), 12).permute(0, 3, 1, 2).float()
    noises = model.draw_noise(1, (12, 20), generator=torch.Generator().manual_seed(1))
    mask = torch.ones(1, 1, 12, 20)
    with torch.no_grad():
        whole = model.generate_tiled(z_hat, mask, one_hot, noises, tile=1000)
        tiled = model.generate_tiled(z_hat, mask, one_hot, noises, tile=8, halo=4)
        again = model.generate_tiled(
            z_hat, mask, one_hot, model.draw_noise(1, (12, 20), generator=torch.Generator().manual_seed(1)), tile=1000
        )
    assert whole.shape == (192, 320, 3)
    assert np.abs(whole.astype(int) - tiled.astype(int)).mean() < 0.5
    assert np.array_equal(whole, again)  # the file's seed decides the noise, so decoding repeats exactly


def test_colour_jitter_is_deterministic_and_bounded():
    image = (np.random.default_rng(0).random((40, 60, 3)) * 255).astype(np.uint8)
    a = colour_jitter(image, np.random.default_rng(7))
    b = colour_jitter(image, np.random.default_rng(7))
    assert np.array_equal(a, b) and a.dtype == np.uint8 and a.shape == image.shape and not np.array_equal(a, image)
    assert colour_jitter(image, np.random.default_rng(7), 0.0) is image
    degraded = camera_degradations(image, np.random.default_rng(3))
    assert degraded.shape == image.shape and degraded.flags.writeable
