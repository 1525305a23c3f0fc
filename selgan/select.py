"""Preserve sets -> masks at latent resolution."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from selgan.errors import ImageError, UnknownClassError
from selgan.labels.vocab import Vocabulary

KEYWORDS = ("default", "all", "nothing", "all-but:")  # the preserve keywords, everywhere (API, CLI, app)


@dataclass(frozen=True)
class PreserveSet:
    """What a preserve argument asks for: the whole image (a global file), or these classes, possibly none
    (a fully generative file: the label map only)."""

    classes: tuple[int, ...] = ()
    whole: bool = False

    @property
    def nothing(self) -> bool:
        """No class preserved: every pixel is painted from the label map."""
        return not self.whole and not self.classes


def parse_preserve(
    preserve: Sequence[str | int] | str | None,
    vocab: Vocabulary,
    default: Sequence[str] = (),
    model: str = "this model",
) -> PreserveSet:
    """The one preserve dialect: None or "all" (the whole image), "default" (the model's own set, `default`),
    "nothing", "all-but:sky,road", class names or ids as a list or a comma-separated string.

    A list holding one keyword means that keyword (the app's API sends lists). UnknownClassError names the
    vocabulary's classes; an empty list is refused (say "nothing" or None).
    """
    if preserve is None:
        return PreserveSet(whole=True)
    if isinstance(preserve, str) and preserve.strip().lower().startswith("all-but:"):
        excluded = set(class_order(_items(preserve.split(":", 1)[1]), vocab))
        return PreserveSet(tuple(i for i in _selectable(vocab) if i not in excluded))
    items = _items(preserve)
    keyword = str(items[0]).lower() if len(items) == 1 else None
    if keyword == "all":
        return PreserveSet(whole=True)
    if keyword == "nothing":
        return PreserveSet()
    if keyword == "default":
        if not default:
            raise ImageError(f"{model} has no default preserve set: name the classes")
        return PreserveSet(resolve_classes(default, vocab))
    if not items:
        raise ImageError(
            "the preserve set is empty; pass preserve=None for global compression, or 'nothing' to "
            "synthesise every region"
        )
    return PreserveSet(resolve_classes(items, vocab))


def _items(preserve: Sequence[str | int] | str) -> list[str | int]:
    """A comma-separated string or a list -> its items, stripped, empty ones dropped."""
    items = preserve.split(",") if isinstance(preserve, str) else preserve
    return [p.strip() if isinstance(p, str) else p for p in items if not (isinstance(p, str) and not p.strip())]


def _selectable(vocab: Vocabulary) -> list[int]:
    return [i for i in range(vocab.num_classes) if i != vocab.ignore_id]


def resolve_classes(names: Iterable[str | int], vocab: Vocabulary) -> tuple[int, ...]:
    """Class names (case-insensitive, synonyms allowed) or ids -> sorted unique ids."""
    return tuple(sorted(class_order(names, vocab)))


def class_order(names: Iterable[str | int], vocab: Vocabulary) -> list[int]:
    """Class names or ids -> ids in the order given, each once (a priority list)."""
    ids: list[int] = []
    for name in names:
        if isinstance(name, (int, np.integer)):
            if not 0 <= int(name) < vocab.num_classes:
                raise UnknownClassError(
                    f"class id {name} is not in the {vocab.name} vocabulary (0–{vocab.num_classes - 1})"
                )
            class_id = int(name)
        else:
            class_id = vocab.class_id(name)
        if class_id not in ids:
            ids.append(class_id)
    return ids


def pixel_preserve_mask(
    labels: np.ndarray, class_ids: Iterable[int], add: np.ndarray | None = None, remove: np.ndarray | None = None
) -> np.ndarray:
    """Full-resolution preserve mask: pixels of the classes, plus `add`, minus `remove` (bool H×W each)."""
    mask = np.isin(labels, np.asarray(tuple(class_ids), dtype=np.int64))
    if add is not None:
        mask |= add
    if remove is not None:
        mask &= ~remove
    return mask


__all__ = [
    "KEYWORDS",
    "PreserveSet",
    "class_order",
    "parse_preserve",
    "pixel_preserve_mask",
    "resolve_classes",
]
