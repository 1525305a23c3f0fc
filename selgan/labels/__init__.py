"""Label maps at the ground floor: vocabularies and mappings (data), resolution changes, latent-cell rules.

Everything above (codec, segmenters, entropy models' users, training) imports these; they import nothing of selgan's
but errors and config.
"""

from selgan.labels.cells import class_latent_mask, random_latent_masks
from selgan.labels.resample import downsample_labels, downsample_labels_np, one_hot_labels, pad_to_shape, resize_one_hot
from selgan.labels.vocab import CAMVID, LabelMapping, Vocabulary, get_mapping, get_vocabulary, load_vocabulary

__all__ = [
    "CAMVID",
    "LabelMapping",
    "Vocabulary",
    "class_latent_mask",
    "downsample_labels",
    "downsample_labels_np",
    "get_mapping",
    "get_vocabulary",
    "load_vocabulary",
    "one_hot_labels",
    "pad_to_shape",
    "random_latent_masks",
    "resize_one_hot",
]
