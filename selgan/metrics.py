"""Image metrics over whole images and inside masked regions."""

from __future__ import annotations

import numpy as np
import torch
from pytorch_msssim import ms_ssim, ssim


def luma(image: np.ndarray) -> np.ndarray:
    """H×W float64 luminance of an RGB image (Rec. 601 weights on its sRGB values, 0-255 for uint8)."""
    return image[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """PSNR in dB of uint8 images, over the pixels where mask (H×W bool) is set; nan for an empty mask."""
    diff = (a.astype(np.float64) - b.astype(np.float64)) ** 2
    if mask is not None:
        if not mask.any():
            return float("nan")
        diff = diff[mask]
    mse = diff.mean()
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def msssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """MS-SSIM (pytorch-msssim; SSIM below 161 pixels). With a mask, b counts only inside it (a's pixels outside)."""
    if mask is not None:
        if not mask.any():
            return float("nan")
        b = np.where(mask[..., None], b, a)
    ta, tb = (torch.from_numpy(np.array(x)).permute(2, 0, 1)[None].float() for x in (a, b))
    side = min(a.shape[:2])
    if side > 160:
        return float(ms_ssim(ta, tb, data_range=255))
    # MS-SSIM's four downsamplings need sides above 160 pixels: smaller images get single-scale SSIM.
    return float(ssim(ta, tb, data_range=255, win_size=max(1, min(11, side - (1 - side % 2)))))


def psnr_lowfreq(a: np.ndarray, b: np.ndarray, factor: int = 16, mask: np.ndarray | None = None) -> float:
    """PSNR of both images area-averaged factor× (colour and brightness of each block, no texture); with a
    mask (H×W bool), over the blocks wholly inside it (nan when there are none)."""

    def blocks(x: np.ndarray) -> np.ndarray:
        h, w = x.shape[0] // factor * factor, x.shape[1] // factor * factor
        return x[:h, :w].reshape(h // factor, factor, w // factor, factor, -1)

    if min(a.shape[:2]) < factor:
        return float("nan")
    error = (blocks(a.astype(np.float64)).mean(axis=(1, 3)) - blocks(b.astype(np.float64)).mean(axis=(1, 3))) ** 2
    if mask is not None:
        inside = blocks(mask[..., None]).all(axis=(1, 3, 4))
        if not inside.any():
            return float("nan")
        error = error[inside]
    mse = error.mean()
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def miou(pred: np.ndarray, target: np.ndarray, num_classes: int, ignore_id: int) -> float:
    """Mean IoU over classes present in either map (ignore_id pixels skipped)."""
    keep = target != ignore_id
    ious = []
    for c in range(num_classes):
        if c == ignore_id:
            continue
        p, t = (pred == c) & keep, (target == c) & keep
        union = (p | t).sum()
        if union:
            ious.append((p & t).sum() / union)
    return float(np.mean(ious)) if ious else float("nan")


PERIODIC_WINDOW = 64  # pixels; a lattice of period 4–32 px shows as a clear peak at this size


def _ring_index(size: int) -> np.ndarray:
    """Radius (in cycles per window, rounded) of every bin of an rfft2 spectrum of a size×size window."""
    fy = np.fft.fftfreq(size) * size
    fx = np.fft.rfftfreq(size) * size
    return np.rint(np.hypot(fy[:, None], fx[None, :])).astype(np.int64)


def periodic_peaks(
    image: np.ndarray, corners: np.ndarray, size: int = PERIODIC_WINDOW, min_ring: int = 2
) -> np.ndarray:
    """Periodic-artefact score of each size×size window of a uint8 RGB image whose top-left corners are given.

    Luminance (BT.601), mean removed, Hann-windowed; its power spectrum is divided by the median power of
    the same frequency ring and the largest quotient is the window's score. Photographs and noise-like
    textures spread power smoothly over a ring (scores of about 10–30); a lattice puts it into a few
    isolated bins (scores in the hundreds). Rings below `min_ring` cycles per window (shading) are skipped.
    The ring median is floored at the power of white noise of one grey level: in a flat window (a smooth
    sky, a codec's blur) every ring is near zero and the quotient would measure rounding, not a pattern.
    """
    if len(corners) == 0:
        return np.zeros(0)
    brightness = luma(image)
    windows = np.stack([brightness[y : y + size, x : x + size] for y, x in corners])
    windows -= windows.mean(axis=(1, 2), keepdims=True)
    hann = np.hanning(size)
    taper = np.outer(hann, hann)
    power = np.abs(np.fft.rfft2(windows * taper)) ** 2
    floor = float((taper**2).sum())  # E|FFT|² of unit-variance white noise under the taper
    rings = _ring_index(size)
    scores = np.zeros(len(corners))
    for ring in range(min_ring, rings.max() + 1):
        members = power[:, rings == ring]
        if members.shape[1] < 8:  # the outermost corner bins: too few for a median
            continue
        median = np.median(members, axis=1, keepdims=True)
        scores = np.maximum(scores, (members / np.maximum(median, floor)).max(axis=1))
    return scores


def region_windows(region: np.ndarray, size: int = PERIODIC_WINDOW, stride: int | None = None) -> np.ndarray:
    """Top-left corners (y, x) of the size×size windows on a grid of `stride` (default size/2) that lie wholly
    inside `region` (H×W bool)."""
    stride = stride or size // 2
    h, w = region.shape
    if h < size or w < size:
        return np.zeros((0, 2), dtype=np.int64)
    # Summed-area table: a window is inside when its count of region pixels is size².
    table = np.pad(region.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    ys, xs = np.arange(0, h - size + 1, stride), np.arange(0, w - size + 1, stride)
    y, x = np.meshgrid(ys, xs, indexing="ij")
    inside = table[y + size, x + size] - table[y, x + size] - table[y + size, x] + table[y, x]
    keep = inside == size * size
    return np.stack([y[keep], x[keep]], axis=1)


def periodic_artefact(
    original: np.ndarray, recon: np.ndarray, region: np.ndarray, size: int = PERIODIC_WINDOW
) -> tuple[float, float, int]:
    """(sum of log scores of the original, the same of the reconstruction, number of windows) over the
    windows inside region: exp of the difference of the means is the artefact ratio (1 when the
    reconstruction is as aperiodic as the photo). Logs, a geometric mean: a lane marking's straight edge
    scores in the hundreds and would outweigh every other window of a road in an arithmetic mean.
    A window of one flat colour in either image (a classical codec's blur at its extreme) has no spectrum to
    score (0, whose log is -inf) and is left out of both sums.
    """
    corners = region_windows(region, size)
    if len(corners) == 0:
        return 0.0, 0.0, 0
    before, after = periodic_peaks(original, corners, size), periodic_peaks(recon, corners, size)
    scored = (before > 0) & (after > 0)
    return float(np.log(before[scored]).sum()), float(np.log(after[scored]).sum()), int(scored.sum())


def periodic_ratio(original_log_sum: float, recon_log_sum: float, windows: int) -> float:
    """The artefact ratio of periodic_artefact's sums: the reconstruction's geometric mean score over the
    original's."""
    return float(np.exp((recon_log_sum - original_log_sum) / windows)) if windows else float("nan")
