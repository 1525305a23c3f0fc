"""Semantic segmentation front end: vocabularies, label maps and segmenter backends.

Backends: 'builtin' (StreetSegNet trained on CamVid, shipped), 'torchvision:<arch>',
'detectron2' (config + weights you supply), 'file' (label PNGs you already have).
"""

from __future__ import annotations

from selgan.errors import SelganError
from selgan.imageio import ImageLike
from selgan.labels.vocab import CAMVID, Vocabulary, get_mapping, get_vocabulary, load_vocabulary
from selgan.registry import Registry
from selgan.segment.base import Segmenter
from selgan.segment.labelfile import LabelFileSegmenter, read_label_png
from selgan.segment.segmap import ClassShare, SegMap

DEFAULT_SEGMENTER = "camvid-seg"
# get_segmenter("NAME" or "NAME:ARGUMENT", **options): each backend takes the argument and the options it uses.
BACKENDS: Registry = Registry("segmenter backend")


@BACKENDS.register("builtin")
def _builtin_backend(argument: str, name: str = DEFAULT_SEGMENTER, **_) -> Segmenter:
    return _builtin(name)


@BACKENDS.register("torchvision")
def _torchvision_backend(argument: str, weights=None, **_) -> Segmenter:
    from selgan.segment.torchvision_backend import TorchvisionSegmenter

    if not argument:
        raise SelganError("name the torchvision architecture: torchvision:<arch>, e.g. torchvision:deeplabv3_resnet50")
    return TorchvisionSegmenter(argument, weights=weights)


@BACKENDS.register("detectron2")
def _detectron2_backend(
    argument: str, config=None, weights=None, label_vocab: str = "cityscapes_train", **_
) -> Segmenter:
    from selgan.segment.detectron2_backend import Detectron2Segmenter

    if config is None or weights is None:
        raise SelganError("the detectron2 backend needs config=<config.yaml> and weights=<model.pkl>")
    return Detectron2Segmenter.from_config(config, weights, label_vocab)


@BACKENDS.register("file")
def _file_backend(argument: str, label_vocab: str = "camvid", label_dir=None, **_) -> Segmenter:
    return LabelFileSegmenter(get_vocabulary(label_vocab), label_dir)


def get_segmenter(backend: str = "builtin", **options) -> Segmenter:
    """A segmenter by backend name ('builtin', 'torchvision:<arch>', 'detectron2', 'file'); options go to that
    backend (name=, weights=, config=, label_vocab=, label_dir=)."""
    name, _, argument = backend.partition(":")
    return BACKENDS[name](argument, **options)


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
    "CAMVID",
    "ClassShare",
    "DEFAULT_SEGMENTER",
    "LabelFileSegmenter",
    "SegMap",
    "Segmenter",
    "Vocabulary",
    "get_mapping",
    "get_segmenter",
    "get_vocabulary",
    "load_vocabulary",
    "read_label_png",
    "segment",
]
