"""The user-facing codec: inputs in any image form, preserve sets by name, files out."""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from selgan.bitstream import Bitstream, varint
from selgan.budget import Rung, budget_bytes, choose
from selgan.codec import CodecNetwork
from selgan.codec.refine import Effort, Progress, effort_named
from selgan.errors import BitstreamError, BudgetError, ImageError, ModelNotFoundError
from selgan.guard import guard_file
from selgan.imageio import ImageLike, load_mask, load_rgb
from selgan.labels.vocab import Vocabulary
from selgan.ladder import Analyses, Candidate
from selgan.metadata import DEFAULT_POLICY, read_metadata
from selgan.metadata import decode as decode_metadata
from selgan.metadata import encode as encode_metadata
from selgan.segment import SegMap, get_segmenter
from selgan.segment.labelfile import check_labels, read_label_png
from selgan.select import PreserveSet, class_order, parse_preserve, resolve_classes

LabelsLike = SegMap | str | os.PathLike | np.ndarray | Image.Image


GUARDS = ("warn", "preserve", "off")


class Codec:
    """A loaded model with its identity: compress(image, preserve=...) -> Bitstream, decompress -> image."""

    def __init__(
        self,
        model: CodecNetwork,
        model_id: str,
        weights_hash: bytes,
        segmenter: str | None = None,
        default_preserve: tuple[str, ...] = (),
        priority: tuple[str, ...] = (),
    ) -> None:
        self.model = model
        self.model_id = model_id
        self.weights_hash = weights_hash
        self.segmenter = segmenter  # zoo name of the segmenter used when no labels are given
        self.default_preserve = default_preserve  # what preserve="default" means for this model
        self.priority = priority or default_preserve  # the order in which a byte budget preserves classes

    @property
    def class_names(self) -> tuple[str, ...]:
        """The model's label vocabulary."""
        return self.model.vocab.class_names

    @property
    def vocabulary(self) -> Vocabulary:
        """The model's label vocabulary with its colours and ignore id."""
        return self.model.vocab

    def class_ids(self, names: Sequence[str | int]) -> tuple[int, ...]:
        """Class names (case-insensitive, synonyms allowed) or ids -> sorted ids; UnknownClassError names the
        valid ones."""
        return resolve_classes(names, self.model.vocab)

    def compress(
        self,
        image: ImageLike,
        preserve: Sequence[str | int] | None = None,
        mask: ImageLike | None = None,
        labels: LabelsLike | None = None,
        seed: int = 0,
        max_bytes: int | None = None,
        target_bpp: float | None = None,
        priority: Sequence[str | int] | None = None,
        metadata: str = DEFAULT_POLICY,
        guard: str = "warn",
        effort: str | Effort = "fast",
        progress: Progress | None = None,
    ) -> Bitstream:
        """Compress an image.

        preserve: class names/ids to keep faithfully (the rest is synthesised from the label map), as a list
            or a comma-separated string; or a keyword: "default" (the model's own set, default_preserve, e.g.
            people, cars, bicyclists, signs), "all" (global), "nothing" (fully generative: the label map only),
            "all-but:sky,road" (selgan.select.parse_preserve);
        mask: painted preserve mask (nonzero = keep), coded as its own stream; neither: global mode.
        labels: the image's label map (SegMap, or path/array/PIL of ids in the model's vocabulary);
            by default the model's segmenter labels the image.
        seed: seeds the texture of synthesised regions.
        max_bytes / target_bpp: a byte budget instead of a preserve set: the file that preserves the most
            (classes in `priority` order, then the whole image, then with a larger latent), among the codecs
            sharing this one's segmenter, whose real size fits. The Bitstream names the model and the classes.
        metadata: what the photo says about itself (a path's or PIL image's EXIF, XMP and ICC profile) goes
            into the file as: "essential" (capture time, GPS, camera make and model; a few dozen bytes; the
            default), "keep" (all of it, compressed) or "strip" (nothing). A budget counts these bytes.
        guard: the synthesis guard (selgan.guard) decodes a selective file before returning it and looks at
            each synthesised region: "warn" (the default) issues a GuardWarning for every region that does
            not pass for the photo; "preserve" also codes those regions from the photo instead (not with a
            budget, whose choice stands); "off" skips the check (and its decode).
        effort: "fast" (one encoder pass), "better" or "best" (selgan.codec.refine.EFFORTS): fit the latent of
            the coded cells to the decoder before entropy coding, for a file no larger that any decoder reads
            as usual; with a budget, the rung it chose keeps its place. progress(step, steps, seconds) is
            called after each step.
        """
        rgb = load_rgb(image)
        payload = encode_metadata(read_metadata(image), metadata)
        if not 0 <= seed < 2**32:
            raise ImageError("seed must be in 0 … 2**32-1")
        if guard not in GUARDS:
            raise ImageError(f"guard must be one of {', '.join(GUARDS)}, not {guard!r}")
        effort = effort_named(effort)
        if max_bytes is not None or target_bpp is not None:
            if preserve is not None or mask is not None:
                raise BudgetError(
                    "a byte budget chooses what to preserve: pass priority=[...] instead of preserve or mask"
                )
            budget = budget_bytes(max_bytes, target_bpp, rgb.shape[1], rgb.shape[0])
            labelled = self._labelled(rgb, labels)
            return self._compress_to_budget(rgb, labelled, seed, budget, priority, payload, guard, (effort, progress))
        chosen = self.preserve_set(preserve)  # a mistyped class is reported before any segmentation
        labelled = self._labelled(rgb, labels)
        if not chosen.whole and labelled is None:
            raise ImageError(
                f"preserving classes needs a label map and {self.model_id} has no segmenter: pass labels=…"
            )
        painted = None if mask is None else load_mask(mask)
        bitstream = self._code(rgb, labelled, chosen, painted, seed, payload, effort, progress)
        if guard == "off" or chosen.whole:
            return bitstream
        hint = (
            "it is preserved instead" if guard == "preserve" else "preserve it (guard 'preserve') or check the labels"
        )
        flagged = guard_file(self.model, bitstream, rgb, labelled, hint, stacklevel=2)
        if guard == "preserve" and flagged.any():
            preserved = flagged if painted is None else painted | flagged
            bitstream = self._code(rgb, labelled, chosen, preserved, seed, payload, effort, progress)
        return bitstream

    def _code(
        self,
        rgb: np.ndarray,
        labelled: SegMap | None,
        chosen: PreserveSet,
        painted: np.ndarray | None,
        seed: int,
        payload: bytes,
        effort: Effort,
        progress: Progress | None,
    ) -> Bitstream:
        """One file: the preserve set's classes and the painted pixels coded, the rest synthesised."""
        latent_mask = None
        if painted is not None or chosen.nothing:  # "nothing": an empty painted mask, the label map only
            latent_mask = self.model.painted_cells(painted, *rgb.shape[:2])
        label_map = None if labelled is None else labelled.labels
        classes = None if chosen.whole else chosen.classes
        coded = self.model.compress(rgb, label_map, classes, latent_mask, seed, effort, progress)
        return _with_metadata(Bitstream.of(coded, self.model_id, self.weights_hash), payload)

    def _labelled(self, rgb: np.ndarray, labels: LabelsLike | None) -> SegMap | None:
        """The image's labels in this model's vocabulary, checked, with the segmenter's confidence when it made
        them (or the given SegMap has one); None when there are no labels and no segmenter."""
        if labels is None:
            if self.segmenter is None:
                return None
            labels = self.segment(rgb)
        confidence = labels.confidence if isinstance(labels, SegMap) else None
        return SegMap(self._labels(labels, (rgb.shape[1], rgb.shape[0])), self.model.vocab, confidence)

    def rate_ladder(
        self, rgb: np.ndarray, label_map: np.ndarray, seed: int, priority: Sequence[str | int] | None = None
    ) -> list[Rung]:
        """Candidate files for a byte budget, least to most preserved; each codec analyses the image once.

        The selective rungs use this codec if it is a selective one (it has a default preserve set), else
        the first such sibling; the whole-image rungs are the global siblings, smallest latent first.
        """
        family = [self] + [sibling for sibling in self._siblings() if sibling.model_id != self.model_id]
        selective = next((c for c in family if c.default_preserve), self)
        whole = sorted(
            (c for c in family if not c.default_preserve), key=lambda c: c.model.latent_model.latent_channels
        ) or [selective]
        analyses = Analyses(rgb, label_map)

        def rung(description: str, codec: Codec, classes: tuple[int, ...] | None, nothing: bool = False) -> Rung:
            candidate = Candidate(codec, classes, nothing, analyses, seed)
            return Rung(description, candidate.make, functools.cache(candidate.floor))

        order = class_order(
            priority if priority is not None else self._default_priority(selective), selective.model.vocab
        )
        present = set(np.unique(selective.model.stored_label_maps([label_map])[0]).tolist())
        rungs = [rung("the label map only", selective, None, nothing=True)]
        for k, class_id in enumerate(order):
            if class_id in present:  # an absent class would give the same file as the rung before
                names = ", ".join(selective.class_names[i] for i in order[: k + 1] if i in present)
                rungs.append(rung(f"{names} ({selective.model_id})", selective, tuple(order[: k + 1])))
        rungs += [rung(f"the whole image ({c.model_id})", c, None) for c in whole]
        return rungs

    def _compress_to_budget(
        self,
        rgb: np.ndarray,
        labelled: SegMap | None,
        seed: int,
        max_bytes: int,
        priority: Sequence[str | int] | None,
        metadata: bytes,
        guard: str,
        effort: tuple[Effort, Progress | None],
    ) -> Bitstream:
        if labelled is None:
            raise BudgetError(f"a byte budget needs a label map and {self.model_id} has no segmenter: pass labels=…")
        rungs = self.rate_ladder(rgb, labelled.labels, seed, priority)
        bitstream = self._budget_rung(rungs, max_bytes, metadata, *effort)
        if guard != "off":  # the budget's rung stands (preserving more could break it): the guard only warns
            codec = self if bitstream.model_id == self.model_id else shared(bitstream.model_id)
            hint = "the budget's choice stands (raise it, or give priority to this class)"
            guard_file(codec.model, bitstream, rgb, labelled, hint, stacklevel=3)
        return bitstream

    @staticmethod
    def _budget_rung(
        rungs: list[Rung], max_bytes: int, metadata: bytes, effort: Effort, progress: Progress | None
    ) -> Bitstream:
        """The most preserving rung within the budget, with the metadata when it fits beside it; at an effort
        above fast, that rung's file refined, kept when it still fits (the choice of rung never changes)."""
        # The metadata stream's bytes (payload, stream id, length) come out of the budget.
        extra = len(metadata) + 1 + len(varint(len(metadata))) if metadata else 0
        try:
            bitstream, rung = choose(rungs, max_bytes - extra)
            room, kept = max_bytes - extra, metadata
        except BudgetError:
            if not metadata:
                raise
            bitstream, rung = choose(rungs, max_bytes)  # without the metadata: raises when even that cannot fit
            room, kept = max_bytes, b""
            warnings.warn(
                f"the photo's metadata ({extra} bytes) does not fit in {max_bytes} bytes beside the smallest image "
                "file and is not kept; raise the budget or pass metadata='strip' to silence this",
                stacklevel=4,
            )
        if effort.steps:
            refined = rung.make(effort, progress)
            bitstream = refined if refined.num_bytes <= room else bitstream
        return _with_metadata(bitstream, kept)

    def _siblings(self) -> list[Codec]:
        """The installed codecs that share this one's segmenter and vocabulary (a rate ladder's members)."""
        from selgan import zoo

        names = [n for n, s in zoo.specs("codec").items() if s.segmenter == self.segmenter]
        family = [shared(name) for name in names]
        return [c for c in family if c.model.vocab.name == self.model.vocab.name]

    @staticmethod
    def _default_priority(codec: Codec) -> list[str | int]:
        """The codec's own order, then the rest of its vocabulary (ignore id excluded)."""
        first = class_order(codec.priority, codec.model.vocab)
        rest = [i for i in range(codec.model.vocab.num_classes) if i not in first and i != codec.model.vocab.ignore_id]
        return first + rest

    def decompress(self, data: bytes | Bitstream) -> Image.Image:
        """A .sgc file's bytes (or a parsed Bitstream) made with this model -> PIL image."""
        bitstream = data if isinstance(data, Bitstream) else Bitstream.from_bytes(data)
        self.check_identity(bitstream)
        image = Image.fromarray(self.model.decompress(bitstream))
        if "metadata" in bitstream.streams:
            # The photo's own EXIF, XMP and ICC profile, for writers (selgan.metadata.read_metadata(image)).
            try:
                stored = decode_metadata(bitstream.streams["metadata"])
            except BitstreamError as exc:  # the pixels are intact: give them back and say what was lost
                warnings.warn(f"the file's metadata is damaged and is not restored ({exc})", stacklevel=2)
            else:
                image.info.update(stored.image_info())
        return image

    def preserve_set(self, preserve: Sequence[str | int] | str | None) -> PreserveSet:
        """A preserve argument in this model's vocabulary (see compress; selgan.select.parse_preserve)."""
        return parse_preserve(preserve, self.model.vocab, self.default_preserve, self.model_id)

    def check_identity(self, bitstream: Bitstream) -> None:
        """BitstreamError unless the file was made with exactly these weights."""
        if bitstream.model_id != self.model_id:
            raise BitstreamError(f"file was made with model {bitstream.model_id!r}, not {self.model_id!r}")
        if bitstream.weights_hash != self.weights_hash:
            raise BitstreamError(
                f"file was made with other weights of {self.model_id!r} (weights {bitstream.weights_hash.hex()}, "
                f"installed {self.weights_hash.hex()}): decode it with the selgan release whose models made it"
            )

    def segment(self, image: ImageLike) -> SegMap:
        """The model's own segmentation of an image, in the model's vocabulary (what compress uses by default)."""
        if self.segmenter is None:
            raise ModelNotFoundError(f"{self.model_id} has no segmenter: pass labels=… to compress")
        return (
            get_segmenter("builtin", name=self.segmenter).segment(load_rgb(image)).to_vocabulary(self.model.vocab.name)
        )

    def preserved_mask(self, data: bytes | Bitstream) -> np.ndarray:
        """H×W bool of the pixels a file codes faithfully (the rest is synthesised), read from the file alone."""
        bitstream = data if isinstance(data, Bitstream) else Bitstream.from_bytes(data)
        self.check_identity(bitstream)
        _, coded = self.model.decode_side_info(bitstream)
        return self.model.cells_to_pixels(coded, bitstream.height, bitstream.width)

    def label_map(self, image: ImageLike, labels: LabelsLike | None = None) -> np.ndarray:
        """The image's label map in this model's vocabulary (int64 H×W): `labels` checked against the image's
        size (SegMap, label PNG path, array or PIL of ids), or the model's own segmentation when None."""
        rgb = load_rgb(image)
        labelled = self._labelled(rgb, labels)
        if labelled is None:
            raise ModelNotFoundError(f"{self.model_id} has no segmenter: give the image's labels")
        return labelled.labels

    def _labels(self, labels: LabelsLike, size: tuple[int, int]) -> np.ndarray:
        if isinstance(labels, SegMap):
            return check_labels(
                labels.to_vocabulary(self.model.vocab.name).labels, self.model.vocab, size, source="labels"
            )
        if isinstance(labels, (str, os.PathLike)):
            return read_label_png(Path(labels), self.model.vocab, size)
        if isinstance(labels, Image.Image):
            labels = np.asarray(labels)
        return check_labels(labels, self.model.vocab, size, source="labels")


def load(name: str) -> Codec:
    """A pretrained model by name (see list_models), weights checked against the manifest's sha256."""
    from selgan import zoo
    from selgan.weights import load_network

    spec = zoo.get_spec(name, "codec")
    model = load_network(zoo.weights_path(spec))
    return Codec(model, spec.name, spec.short_hash, spec.segmenter, spec.preserve, spec.priority)


_LOADED: dict[tuple[Path, str], Codec] = {}  # by (manifest in use, model name)


def shared(name: str) -> Codec:
    """A loaded codec shared by everything in this process (models are read-only once loaded)."""
    from selgan.zoo import manifest_path

    key = (manifest_path(), name)
    if key not in _LOADED:
        _LOADED[key] = load(name)
    return _LOADED[key]


def codec_for(bitstream: Bitstream) -> Codec:
    """The installed codec a file names (BitstreamError when it is not available)."""
    try:
        return shared(bitstream.model_id)
    except ModelNotFoundError as exc:
        raise BitstreamError(f"file needs model {bitstream.model_id!r}, which is not available: {exc}") from None


def decompress(data: bytes | str | os.PathLike) -> Image.Image:
    """Decode .sgc bytes or a .sgc path; the model is resolved from the file's header."""
    if isinstance(data, (str, os.PathLike)):
        try:
            data = Path(data).read_bytes()
        except OSError as exc:
            raise ImageError(f"{data}: cannot read ({exc.strerror})") from None

    bitstream = Bitstream.from_bytes(data)
    return codec_for(bitstream).decompress(bitstream)


def _with_metadata(bitstream: Bitstream, payload: bytes) -> Bitstream:
    """The file with its metadata stream, when there is something to store."""
    return bitstream.with_stream("metadata", payload) if payload else bitstream
