import numpy as np
import pytest

from selgan.errors import UnknownClassError
from selgan.labels.cells import class_latent_mask, painted_latent_mask
from selgan.labels.vocab import CAMVID
from selgan.select import resolve_classes


def test_names_are_case_insensitive_with_synonyms():
    assert resolve_classes(["CAR", "person", "Vehicle", 2], CAMVID) == (2, 8, 9)
    assert resolve_classes(["sidewalk", "traffic sign"], CAMVID) == (4, 6)


def test_unknown_name_lists_valid_ones():
    with pytest.raises(UnknownClassError) as info:
        resolve_classes(["car", "dragon"], CAMVID)
    assert "'dragon'" in str(info.value) and "pedestrian" in str(info.value) and "bicyclist" in str(info.value)
    with pytest.raises(UnknownClassError):
        resolve_classes([99], CAMVID)


def test_class_mask_marks_latent_cells_covering_any_preserved_label():
    stored = np.zeros((4, 6), int)
    stored[1, 3] = 8
    mask = class_latent_mask(stored, (8,), 2)
    assert mask.shape == (2, 3) and mask.sum() == 1 and mask[0, 1]


def test_painted_mask_touching_cells():
    mask = np.zeros((40, 50), bool)
    mask[17, 33] = True
    latent = painted_latent_mask(mask, (50, 40), (64, 64), 16)
    assert latent.shape == (4, 4) and latent.sum() == 1 and latent[1, 2]


def test_pixel_preserve_mask_adds_and_removes():
    from selgan.select import pixel_preserve_mask

    labels = np.array([[0, 8, 8], [3, 8, 9]])
    add, remove = np.zeros((2, 3), bool), np.zeros((2, 3), bool)
    add[1, 0], remove[0, 1] = True, True
    assert pixel_preserve_mask(labels, [8, 9], add, remove).tolist() == [[False, False, True], [True, True, True]]
    assert pixel_preserve_mask(labels, []).sum() == 0
