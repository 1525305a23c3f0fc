"""Segmentation metrics: confusion matrix, per-class IoU, mIoU, pixel accuracy."""

from __future__ import annotations

import numpy as np


def confusion_matrix(pred: np.ndarray, target: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts [target, pred] over pixels whose target is a scored class (others, e.g. the ignore id, skipped)."""
    keep = (target >= 0) & (target < num_classes)
    index = target[keep].astype(np.int64) * num_classes + np.clip(pred[keep], 0, num_classes - 1)
    return np.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)


def iou_table(confusion: np.ndarray, class_names: tuple[str, ...]) -> dict:
    """Per-class IoU (classes absent from both prediction and target are left out of the mean)."""
    tp = np.diag(confusion).astype(np.float64)
    union = confusion.sum(0) + confusion.sum(1) - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    return {
        "per_class": {name: (None if np.isnan(v) else float(v)) for name, v in zip(class_names, iou)},
        "miou": float(np.nanmean(iou)),
        "pixel_acc": float(tp.sum() / max(confusion.sum(), 1)),
    }
