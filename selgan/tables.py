"""Fitting the codec's count-based coding tables (label map, painted mask) from training labels."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from selgan.codec import LATENT_STRIDE, SelectiveCodec
from selgan.codec.model import padded_shape
from selgan.entropy import LabelMapModel, MaskModel
from selgan.segment.resample import downsample_labels_np, pad_to_shape
from selgan.select import class_latent_mask
from selgan.train.masks import random_latent_masks


def stored_label_maps(model: SelectiveCodec, label_maps: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Full-resolution label maps (model vocabulary) -> the maps a file would store (padded, downsampled)."""
    weights = model.vocab.downsample_weights()
    stored = []
    for labels in label_maps:
        labels = pad_to_shape(np.asarray(labels, dtype=np.int64), padded_shape(*labels.shape))
        stored.append(downsample_labels_np(labels, model.label_downsample, weights))
    return stored


def fit_side_models(model: SelectiveCodec, label_maps: list[np.ndarray], seed: int = 0) -> None:
    """Fit the label-map model on stored maps, and the painted-mask model on typical preserve masks."""
    model.label_model = LabelMapModel.fit(label_maps, model.vocab.num_classes)
    ratio = LATENT_STRIDE // model.label_downsample
    generator = torch.Generator().manual_seed(seed)
    masks = []
    for stored in label_maps:
        classes = torch.from_numpy(downsample_labels_np(stored, ratio, model.vocab.downsample_weights()))[None]
        masks.append(random_latent_masks(classes, model.vocab.ignore_id, 0.0, generator)[0, 0].numpy() > 0)
        masks.append(class_latent_mask(stored, model.vocab.thing_ids, ratio))  # objects: what people paint
    model.mask_model = MaskModel.fit(masks)
