"""Per-region mean colours of synthesised regions: a side stream of a few bytes (format version 2).

A synthesised region has no latent code, so its colour is whatever the generator learnt for its
class on CamVid; out of that domain (another camera, white balance, season) it comes back with the
wrong cast. Storing the mean colour of each class's synthesised area, 5 bits per channel, costs two
bytes per class and fixes the cast (benchmarks/region_colour.py: +13 bytes, +2 dB in synthesised
regions on Cityscapes frames). The regions are defined from what the decoder already has: the stored
label map (upsampled) and the latent mask, so the class list itself costs nothing.
"""

from __future__ import annotations

import numpy as np

from selgan.errors import BitstreamError

LEVELS = 31  # 5 bits per channel


def synthesised_regions(
    stored_labels: np.ndarray, coded: np.ndarray, label_stride: int, latent_stride: int, height: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """(class id per pixel, synthesised-pixel mask), both H×W, from the stored label map and the latent mask."""
    classes = np.repeat(np.repeat(stored_labels, label_stride, 0), label_stride, 1)[:height, :width]
    synthesised = ~np.repeat(np.repeat(coded, latent_stride, 0), latent_stride, 1)[:height, :width]
    return classes, synthesised


def region_ids(classes: np.ndarray, synthesised: np.ndarray) -> np.ndarray:
    """The classes with synthesised pixels, in increasing order (the order of the stream's entries)."""
    return np.unique(classes[synthesised])


def encode_colours(image: np.ndarray, classes: np.ndarray, synthesised: np.ndarray) -> bytes:
    """Two bytes per synthesised class: its mean colour, 5 bits per channel, packed little-endian."""
    out = bytearray()
    for class_id in region_ids(classes, synthesised):
        mean = image[synthesised & (classes == class_id)].reshape(-1, 3).mean(0)
        r, g, b = (int(v) for v in np.round(mean / 255 * LEVELS))
        out += ((r << 10) | (g << 5) | b).to_bytes(2, "little")
    return bytes(out)


def apply_colours(image: np.ndarray, classes: np.ndarray, synthesised: np.ndarray, data: bytes) -> np.ndarray:
    """Shift each synthesised class region of a reconstruction to its stored mean colour."""
    ids = region_ids(classes, synthesised)
    if len(data) != 2 * len(ids):
        raise BitstreamError(f"the colour stream has {len(data)} bytes; this file's label map needs {2 * len(ids)}")
    out = image.astype(np.float32)
    for i, class_id in enumerate(ids):
        word = int.from_bytes(data[2 * i : 2 * i + 2], "little")
        if word >> 15:
            raise BitstreamError("the colour stream holds a value out of range")
        target = np.array([(word >> 10) & 31, (word >> 5) & 31, word & 31], dtype=np.float32) * 255 / LEVELS
        region = synthesised & (classes == class_id)
        out[region] += target - out[region].mean(0)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
