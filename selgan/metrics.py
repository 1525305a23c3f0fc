"""Image metrics over whole images and inside masked regions."""
from __future__ import annotations

import numpy as np
import torch
from pytorch_msssim import ms_ssim, ssim


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


def psnr_lowfreq(a: np.ndarray, b: np.ndarray, factor: int = 16) -> float:
    """PSNR of both images area-averaged factor× (colour and brightness of each block, no texture)."""
    def pooled(x: np.ndarray) -> np.ndarray:
        h, w = x.shape[0] // factor * factor, x.shape[1] // factor * factor
        blocks = x[:h, :w].astype(np.float64).reshape(h // factor, factor, w // factor, factor, -1)
        return blocks.mean(axis=(1, 3))

    if min(a.shape[:2]) < factor:
        return float("nan")
    mse = ((pooled(a) - pooled(b)) ** 2).mean()
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
