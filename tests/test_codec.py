import numpy as np
import pytest
import torch
from PIL import Image

from selgan.bitstream import Bitstream, Mode
from selgan.errors import BitstreamError, ImageError, ModelNotFoundError, UnknownClassError


def street(width, height, seed=0):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    labels = np.zeros((height, width), dtype=np.int64)
    labels[height // 2 :] = 3  # road
    labels[height // 3 : height // 2, width // 4 : width // 2] = 8  # a car
    return image, labels


@pytest.mark.parametrize("size", [(17, 9), (481, 361), (2048, 1024), (1, 1)])
def test_odd_tiny_and_large_sizes_round_trip(tiny_codec, size):
    image, labels = street(*size)
    bs = tiny_codec.compress(image, labels=labels, preserve=["car"])
    out = tiny_codec.decompress(bs.to_bytes())
    assert out.size == size and out.mode == "RGB"


def test_grayscale_and_rgba_inputs(tiny_codec):
    image, labels = street(64, 48)
    gray = Image.fromarray(image[..., 0], mode="L")
    rgba = Image.fromarray(np.dstack([image, np.full(image.shape[:2], 128, np.uint8)]), mode="RGBA")
    for img in (gray, rgba, image[..., 0], image.astype(np.float32) / 255):
        out = tiny_codec.decompress(tiny_codec.compress(img, labels=labels))
        assert out.size == (64, 48)


def test_selective_codes_fewer_latent_symbols_than_global(tiny_codec, val_frame):
    image, labels = val_frame
    full = tiny_codec.compress(image, labels=labels)
    selective = tiny_codec.compress(image, labels=labels, preserve=["Pedestrian", "car"])
    assert full.mode == Mode.GLOBAL and selective.mode == Mode.SELECTIVE
    assert selective.preserved_classes == (8, 9)
    assert "mask" not in selective.streams  # derived from the label map: no extra bits
    assert len(selective.streams["latent"]) < len(full.streams["latent"]) / 2
    assert selective.stream_sizes()["labels"] == full.stream_sizes()["labels"]


def test_preserved_region_decodes_like_global(tiny_codec, val_frame):
    """Same symbols in preserved cells: the generator sees the same code there."""
    image, labels = val_frame
    sel = tiny_codec.compress(image, labels=labels, preserve=["road"])
    full = tiny_codec.compress(image, labels=labels)
    model = tiny_codec.model
    stored, coded = model.decode_side_info(sel)
    _, all_cells = model.decode_side_info(full)
    classes = model.latent_classes(stored)
    sym_sel = model.latent_model.decode(sel.streams["latent"], coded, classes)
    sym_full = model.latent_model.decode(full.streams["latent"], all_cells, classes)
    assert 0 < coded.sum() < coded.size
    assert (sym_sel[:, coded] == sym_full[:, coded]).all()


def test_painted_mask_is_its_own_stream(tiny_codec, val_frame):
    image, labels = val_frame
    mask = np.zeros((360, 480), bool)
    mask[100:200, 50:300] = True
    bs = tiny_codec.compress(image, labels=labels, mask=mask)
    assert bs.mode == Mode.SELECTIVE and "mask" in bs.streams
    _, coded = tiny_codec.model.decode_side_info(Bitstream.from_bytes(bs.to_bytes()))
    assert coded.sum() == (np.ceil(200 / 16) - 100 // 16) * (np.ceil(300 / 16) - 50 // 16)


def test_global_without_labels_stores_no_label_stream(tiny_codec):
    image, _ = street(96, 64)
    bs = tiny_codec.compress(image)
    assert "labels" not in bs.streams
    assert tiny_codec.decompress(bs).size == (96, 64)


def test_decoding_is_deterministic_across_thread_counts(tiny_codec, val_frame):
    image, labels = val_frame
    data = tiny_codec.compress(image, labels=labels, preserve=["car", "building"], seed=5).to_bytes()
    model = tiny_codec.model
    results = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        bs = Bitstream.from_bytes(data)
        stored, coded = model.decode_side_info(bs)
        results.append(
            (stored, coded, model.latent_model.decode(bs.streams["latent"], coded, model.latent_classes(stored)))
        )
    torch.set_num_threads(2)
    for a, b in zip(*results):
        assert (a == b).all()


def test_seed_changes_only_synthesised_texture(tiny_codec, val_frame):
    image, labels = val_frame
    a = tiny_codec.compress(image, labels=labels, preserve=["car"], seed=1)
    b = tiny_codec.compress(image, labels=labels, preserve=["car"], seed=2)
    assert a.streams == b.streams and a.seed == 1 and b.seed == 2
    assert np.array_equal(np.asarray(tiny_codec.decompress(a)), np.asarray(tiny_codec.decompress(a)))


def test_user_errors_are_clear(tiny_codec, val_frame):
    image, labels = val_frame
    with pytest.raises(UnknownClassError, match="valid classes.*pedestrian"):
        tiny_codec.compress(image, labels=labels, preserve=["unicorn"])
    with pytest.raises(ImageError, match="label map"):
        tiny_codec.compress(image, preserve=["car"])
    with pytest.raises(ImageError, match="480×360"):
        tiny_codec.compress(image, labels=np.zeros((10, 10), int))
    with pytest.raises(ImageError, match="not in the camvid vocabulary"):
        tiny_codec.compress(image, labels=np.full((360, 480), 40))
    with pytest.raises(ImageError, match="no such file"):
        tiny_codec.compress("/no/such/image.png")


def test_tiled_generation_matches_whole_image_closely(tiny_codec, val_frame):
    """Tiles with a halo of context: no visible seams (mean difference well under one grey level)."""
    model = tiny_codec.model
    image, labels = val_frame
    bs = tiny_codec.compress(image, labels=labels)
    stored, coded = model.decode_side_info(bs)
    symbols = model.latent_model.decode(bs.streams["latent"], coded, model.latent_classes(stored))
    z_hat = model.quantizer.dequantize(torch.from_numpy(symbols))[None]
    noises = model.draw_noise(1, coded.shape, generator=torch.Generator().manual_seed(0))
    mask = torch.ones(1, 1, *coded.shape)
    from selgan.labels.resample import one_hot_labels

    one_hot = one_hot_labels(torch.from_numpy(stored)[None], model.vocab.num_classes)
    with torch.no_grad():
        whole = model.generate_tiled(z_hat, mask, one_hot, noises, tile=1000)
        tiled = model.generate_tiled(z_hat, mask, one_hot, noises, tile=8, halo=4)
    diff = np.abs(whole.astype(int) - tiled.astype(int))
    assert whole.shape == tiled.shape == (368, 480, 3)
    assert diff.mean() < 0.5 and np.percentile(diff, 99.9) <= 8


def test_preserved_mask_and_segment_of_the_public_codec(tiny_codec, val_frame):
    from selgan.api import Codec

    image, labels = val_frame
    data = tiny_codec.compress(image, labels=labels, preserve=["car"]).to_bytes()
    mask = tiny_codec.preserved_mask(data)
    car = np.asarray(Image.open(labels)) == tiny_codec.class_names.index("Car")
    assert mask.shape == (360, 480) and mask[car].mean() > 0.95 and mask.mean() < 0.5
    assert tiny_codec.preserved_mask(tiny_codec.compress(image, labels=labels).to_bytes()).all()
    bare = Codec(tiny_codec.model, tiny_codec.model_id, tiny_codec.weights_hash)  # no segmenter
    with pytest.raises(ModelNotFoundError, match="no segmenter"):
        bare.segment(image)


def test_region_colours_restore_each_synthesised_class_mean():
    from selgan.codec.colours import apply_colours, encode_colours, synthesised_regions

    rng = np.random.default_rng(0)
    stored = np.array([[0, 0, 1, 1], [2, 2, 1, 1]])  # label map at 1/8
    coded = np.array([[False, True]])  # latent cells at 1/16: the right half is preserved
    classes, synthesised = synthesised_regions(stored, coded, 8, 16, 16, 32)
    original = rng.integers(0, 256, (16, 32, 3)).astype(np.uint8)
    original[classes == 0] = (200, 40, 30)
    data = encode_colours(original, classes, synthesised)
    assert len(data) == 4  # classes 0 and 2 have synthesised pixels, class 1 only preserved ones
    generated = np.full_like(original, 90)
    fixed = apply_colours(generated, classes, synthesised, data)
    assert np.abs(fixed[classes == 0].mean(0) - (200, 40, 30)).max() < 255 / 31 / 2 + 1
    assert np.array_equal(fixed[~synthesised], generated[~synthesised])  # preserved pixels are untouched
    with pytest.raises(BitstreamError, match="colour stream"):
        apply_colours(generated, classes, synthesised, data[:2])
