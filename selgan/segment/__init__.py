"""Semantic segmentation front end: vocabularies, label maps and segmenter backends.

Backends: 'builtin' (StreetSegNet trained on CamVid, shipped), 'torchvision:<arch>',
'detectron2' (config + weights you supply), 'file' (label PNGs you already have).
"""
from __future__ import annotations


from selgan.errors import SelganError
from selgan.imageio import ImageLike
from selgan.segment.base import Segmenter
from selgan.segment.labelfile import LabelFileSegmenter, read_label_png
from selgan.segment.segmap import ClassShare, SegMap
from selgan.labels.vocab import CAMVID, Vocabulary, get_mapping, get_vocabulary, load_vocabulary

DEFAULT_SEGMENTER = "camvid-seg"
BACKENDS = ("builtin", "torchvision:<arch>", "detectron2", "file")


def get_segmenter(backend: str = "builtin", **options) -> Segmenter:
    """A segmenter by backend name; options go to that backend (weights=, config=, label_vocab=, label_dir=)."""
    if backend == "builtin":
        return _builtin(options.get("name", DEFAULT_SEGMENTER))
    if backend.startswith("torchvision:"):
        from selgan.segment.torchvision_backend import TorchvisionSegmenter

        return TorchvisionSegmenter(backend.split(":", 1)[1], weights=options.get("weights"))
    if backend == "detectron2":
        from selgan.segment.detectron2_backend import Detectron2Segmenter

        if "config" not in options or "weights" not in options:
            raise SelganError("the detectron2 backend needs config=<config.yaml> and weights=<model.pkl>")
        return Detectron2Segmenter.from_config(options["config"], options["weights"], options.get("label_vocab", "cityscapes_train"))
    if backend == "file":
        return LabelFileSegmenter(get_vocabulary(options.get("label_vocab", "camvid")), options.get("label_dir"))
    raise SelganError(f"unknown segmenter backend {backend!r}; choose from {', '.join(BACKENDS)}")


_CACHE: dict[tuple[str, str], Segmenter] = {}


def _builtin(name: str) -> Segmenter:
    from selgan import zoo

    spec = zoo.get_spec(name, "segmenter")  # the manifest in use decides, not what was loaded before
    key = (name, spec.sha256)
    if key not in _CACHE:
        from selgan.segment.builtin import load_segmenter

        _CACHE[key] = load_segmenter(zoo.weights_path(spec))
    return _CACHE[key]


def segment(image: ImageLike, backend: str = "builtin", vocab: str | None = None, **options) -> SegMap:
    """Segment an image; with vocab=, the result is mapped into that vocabulary."""
    segmap = get_segmenter(backend, **options).segment(image)
    return segmap.to_vocabulary(vocab) if vocab else segmap


__all__ = [
    "CAMVID", "ClassShare", "DEFAULT_SEGMENTER", "LabelFileSegmenter", "SegMap", "Segmenter", "Vocabulary",
    "get_mapping", "get_segmenter", "get_vocabulary", "load_vocabulary", "read_label_png", "segment",
]
