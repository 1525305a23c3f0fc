import numpy as np
import pytest
import torch

from selgan.entropy import LabelMapModel, LatentContextModel, MaskModel, quantize_pmf
from selgan.errors import BitstreamError


def test_quantize_pmf_rows_sum_exactly_and_stay_positive():
    rng = np.random.default_rng(0)
    pmf = rng.dirichlet(np.full(12, 0.05), size=500)
    pmf[0] = [1.0] + [0.0] * 11
    freq = quantize_pmf(pmf)
    assert (freq.sum(axis=1) == 1 << 16).all()
    assert freq.min() >= 1


def test_label_model_round_trip_and_learns(camvid):
    from PIL import Image

    from selgan.labels.resample import downsample_labels_np
    from selgan.labels.vocab import CAMVID

    paths = sorted((camvid / "trainannot").glob("*.png"))[:40]
    maps = [
        downsample_labels_np(np.asarray(Image.open(p), dtype=np.int64), 8, CAMVID.downsample_weights()) for p in paths
    ]
    model = LabelMapModel.fit(maps[:30], 12)
    for labels in maps[30:]:
        data = model.encode(labels)
        assert (model.decode(data, labels.shape) == labels).all()
        # Learned contexts beat a uniform code (log2(12) bits per label) many times over.
        assert len(data) * 8 < labels.size * np.log2(12) / 5


@pytest.fixture()
def latent_model():
    torch.manual_seed(1)
    model = LatentContextModel(latent_channels=4, num_centers=5, num_classes=12)
    with torch.no_grad():
        model.full_logits.normal_(0, 1.5)
    model.update()
    return model


def random_latent(seed=0, shape=(4, 23, 30)):
    rng = np.random.default_rng(seed)
    symbols = rng.integers(0, 5, size=shape)
    coded = rng.random(shape[1:]) < 0.6
    classes = rng.integers(0, 12, size=shape[1:])
    return symbols, coded, classes


def test_latent_symbols_round_trip_exactly(latent_model):
    symbols, coded, classes = random_latent()
    data = latent_model.encode(symbols, coded, classes)
    decoded = latent_model.decode(data, coded, classes)
    assert (decoded[:, coded] == symbols[:, coded]).all()
    assert (decoded[:, ~coded] == 5).all()  # uncoded positions are 'absent'


def test_decoding_is_identical_with_one_and_two_threads(latent_model):
    symbols, coded, classes = random_latent(3, (8, 40, 64))
    latent_model_8 = LatentContextModel(8, 5, 12)
    latent_model_8.update()
    data = latent_model_8.encode(symbols, coded, classes)
    results = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        results.append(latent_model_8.decode(data, coded, classes))
    torch.set_num_threads(2)
    assert (results[0] == results[1]).all()


def test_estimated_bits_track_real_bytes(latent_model):
    symbols, coded, classes = random_latent(5)
    real_bits = len(latent_model.encode(symbols, coded, classes)) * 8
    t = torch.from_numpy
    soft = torch.nn.functional.one_hot(t(symbols), 5).float()
    est = latent_model.bits(t(symbols)[None], soft[None], t(coded)[None, None], t(classes)[None]).item()
    assert abs(real_bits - est) < 0.05 * est + 64


def test_min_bytes_is_a_floor_on_the_real_stream_and_close_to_it(latent_model):
    """Rate control skips candidates by this floor, so it must never exceed what the coder writes."""
    rng = np.random.default_rng(11)
    for seed in range(40):
        symbols, _, classes = random_latent(seed)
        coded = rng.random(symbols.shape[1:]) < rng.random()  # from nearly empty to nearly full
        real = len(latent_model.encode(symbols, coded, classes))
        floor = latent_model.min_bytes(symbols, coded, classes)
        assert floor <= real and (real - floor <= 16 or not coded.any())


def test_training_and_coding_use_the_same_contexts(latent_model):
    """The torch context index (training's bit estimate) and the coder's numpy one agree exactly, cell by cell."""
    symbols, coded, classes = random_latent(7)
    t = torch.from_numpy
    trained = latent_model.context_index(t(symbols)[None], t(coded)[None, None], t(classes)[None])[0].numpy()
    grid = np.where(coded[None], symbols, 5).reshape(-1, symbols.shape[-1])
    rows, xs = np.meshgrid(np.arange(grid.shape[0]), np.arange(grid.shape[1]), indexing="ij")
    coding = latent_model._context_fn(classes)(grid, rows.ravel(), xs.ravel()).reshape(symbols.shape)
    assert np.array_equal(trained[:, coded], coding[:, coded])


def test_coding_without_update_says_so():
    model = LatentContextModel(2, 5, 12)
    symbols, coded, classes = random_latent(shape=(2, 4, 4))
    with pytest.raises(RuntimeError, match="no fitted freq_table: fit it \\(update"):
        model.encode(symbols, coded, classes)
    with pytest.raises(RuntimeError, match="MaskModel has no fitted table"):
        MaskModel().encode(np.ones((3, 3), bool))


def test_tables_are_buffers_saved_and_restored_with_the_state_dict():
    """Each entropy model's table is a registered buffer: one state dict carries it, of any fitted size, and a
    state dict without it (a training checkpoint) loads as unfitted; a table of the wrong shape is refused."""
    rng = np.random.default_rng(0)
    fitted = MaskModel.fit([rng.random((8, 8)) < 0.3 for _ in range(4)])
    restored = MaskModel()
    restored.load_state_dict(fitted.state_dict())
    mask = rng.random((6, 7)) < 0.5
    assert restored.fitted and restored.encode(mask) == fitted.encode(mask)
    assert restored.state_dict()["table"].dtype == torch.int32
    empty = MaskModel()
    empty.load_state_dict({})
    assert not empty.fitted
    with pytest.raises(RuntimeError, match="mask table must be \\(81, 2\\)"):
        MaskModel().load_state_dict({"table": torch.ones(5, 2, dtype=torch.int32)})
    latent = LatentContextModel(2, 5, 12)
    latent.update()
    again = LatentContextModel(2, 5, 12)
    again.load_state_dict(latent.state_dict())
    assert torch.equal(again.freq_table, latent.freq_table)


def test_mask_model_round_trip():
    rng = np.random.default_rng(0)
    masks = [np.pad(np.ones((rng.integers(2, 10), rng.integers(2, 10)), bool), 5) for _ in range(20)]
    model = MaskModel.fit(masks)
    mask = masks[0]
    assert (model.decode(model.encode(mask), mask.shape) == mask).all()


def test_stream_with_trailing_data_rejected(latent_model):
    symbols, coded, classes = random_latent()
    data = latent_model.encode(symbols, coded, classes)
    with pytest.raises(BitstreamError):
        latent_model.decode(data + b"\x01\x00\x00\x00", coded, classes)
    with pytest.raises(BitstreamError):
        latent_model.decode(data[:-2], coded, classes)


def test_a_certain_map_codes_to_an_empty_stream_and_back(camvid):
    """Extremely probable symbols may cost zero words: an empty stream is a valid stream."""
    from PIL import Image

    from selgan.labels.resample import downsample_labels_np
    from selgan.labels.vocab import CAMVID

    maps = [
        downsample_labels_np(np.asarray(Image.open(p), dtype=np.int64), 8, CAMVID.downsample_weights())
        for p in sorted((camvid / "trainannot").glob("*.png"))[:20]
    ]
    model = LabelMapModel.fit(maps + [np.zeros((40, 40), np.int64)] * 50, 12)
    sky = np.zeros((6, 6), np.int64)
    data = model.encode(sky)
    assert (model.decode(data, sky.shape) == sky).all() and len(data) <= 8
