"""detectron2 semantic or panoptic predictors as segmenters (detectron2 is optional and imported lazily)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from selgan.errors import SelganError
from selgan.imageio import ImageLike, load_rgb
from selgan.labels.vocab import Vocabulary, get_vocabulary
from selgan.segment.segmap import SegMap

INSTALL_HINT = (
    "detectron2 is not installed and is not on PyPI; build it from source following its installation "
    "guide (pip install of its git repository, with torch already installed), then retry"
)


class Detectron2Segmenter:
    """Wraps a detectron2 predictor; its category ids are mapped into `vocab` by `category_to_label`."""

    def __init__(self, predictor: Any, vocab: Vocabulary, category_to_label: Mapping[int, int] | None = None) -> None:
        self.predictor = predictor
        self.vocab = vocab
        self.category_to_label = dict(category_to_label) if category_to_label is not None else None

    @classmethod
    def from_config(
        cls,
        config_file: str | Path,
        weights: str | Path,
        vocab: str = "cityscapes_train",
        category_to_label: Mapping[int, int] | None = None,
        device: str = "cpu",
    ) -> Detectron2Segmenter:
        """Build detectron2's DefaultPredictor from a config file and weights you supply."""
        try:
            from detectron2.config import get_cfg
            from detectron2.engine import DefaultPredictor
        except ImportError:
            raise SelganError(INSTALL_HINT) from None
        cfg = get_cfg()
        cfg.merge_from_file(str(config_file))
        cfg.MODEL.WEIGHTS = str(weights)
        cfg.MODEL.DEVICE = device
        return cls(DefaultPredictor(cfg), get_vocabulary(vocab), category_to_label)

    def segment(self, image: ImageLike) -> SegMap:
        """Run the predictor (it expects BGR uint8) and convert its output to labels."""
        bgr = load_rgb(image)[..., ::-1].copy()
        return SegMap(outputs_to_labels(self.predictor(bgr), self.vocab, self.category_to_label), self.vocab)


def outputs_to_labels(
    outputs: Mapping[str, Any], vocab: Vocabulary, category_to_label: Mapping[int, int] | None
) -> np.ndarray:
    """detectron2 outputs -> H×W ids: 'sem_seg' (K×H×W scores) is argmaxed; 'panoptic_seg' uses segments_info."""
    if "sem_seg" in outputs:
        categories = _numpy(outputs["sem_seg"]).argmax(axis=0)
        return _map(categories, vocab, category_to_label)
    if "panoptic_seg" in outputs:
        segments, infos = outputs["panoptic_seg"]
        segments = _numpy(segments)
        labels = np.full(segments.shape, vocab.ignore_id, dtype=np.int64)
        for info in infos:
            category = int(info["category_id"])
            labels[segments == int(info["id"])] = _lookup(category, vocab, category_to_label)
        return labels
    raise SelganError(f"detectron2 outputs hold neither 'sem_seg' nor 'panoptic_seg' (got {sorted(outputs)})")


def _map(categories: np.ndarray, vocab: Vocabulary, category_to_label: Mapping[int, int] | None) -> np.ndarray:
    if category_to_label is None:
        if categories.max(initial=0) >= vocab.num_classes:
            raise SelganError(f"predictor categories exceed the {vocab.name} vocabulary; pass category_to_label")
        return categories.astype(np.int64)
    table = np.full(int(categories.max(initial=0)) + 1, vocab.ignore_id, dtype=np.int64)
    for category, label in category_to_label.items():
        if category < table.size:
            table[category] = label
    return table[categories]


def _lookup(category: int, vocab: Vocabulary, category_to_label: Mapping[int, int] | None) -> int:
    if category_to_label is None:
        return category if category < vocab.num_classes else vocab.ignore_id
    return int(category_to_label.get(category, vocab.ignore_id))


def _numpy(value: Any) -> np.ndarray:
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
