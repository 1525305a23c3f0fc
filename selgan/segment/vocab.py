"""Label vocabularies: class names, colours, which id means 'unlabelled', which classes are things."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from selgan.errors import UnknownClassError


@dataclass(frozen=True)
class Vocabulary:
    """Class names indexed by label id, their display colours, the ignore id and synonyms."""

    name: str
    class_names: tuple[str, ...]
    colors: tuple[tuple[int, int, int], ...]
    ignore_id: int
    # 'Things' (countable objects) win ties when label maps are downsampled, so a
    # pedestrian narrower than a block is not erased from the stored map.
    thing_ids: tuple[int, ...] = ()
    synonyms: tuple[tuple[str, str], ...] = ()

    @property
    def num_classes(self) -> int:
        """Number of label symbols, the ignore id included."""
        return len(self.class_names)

    def class_id(self, name: str) -> int:
        """Id of a class by case-insensitive name or synonym; UnknownClassError lists valid names."""
        key = name.strip().lower()
        lookup = {n.lower(): i for i, n in enumerate(self.class_names)}
        for alias, target in self.synonyms:
            lookup.setdefault(alias, lookup[target.lower()])
        if key not in lookup:
            valid = ", ".join(n.lower() for n in self.class_names)
            raise UnknownClassError(f"unknown class {name!r}; valid classes for {self.name}: {valid}")
        return lookup[key]

    def downsample_weights(self) -> np.ndarray:
        """Per-class vote weights used when a label map is reduced to blocks."""
        weights = np.ones(self.num_classes, dtype=np.int64)
        weights[list(self.thing_ids)] = 4
        weights[self.ignore_id] = 0 if self.num_classes > 1 else 1
        return weights


CAMVID = Vocabulary(
    name="camvid",
    class_names=(
        "Sky", "Building", "Pole", "Road", "Pavement", "Tree",
        "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist", "Unlabelled",
    ),
    colors=(
        (128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (60, 40, 222),
        (128, 128, 0), (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0),
        (0, 128, 192), (0, 0, 0),
    ),
    ignore_id=11,
    thing_ids=(2, 6, 8, 9, 10),
    synonyms=(
        ("person", "Pedestrian"), ("people", "Pedestrian"), ("pedestrians", "Pedestrian"),
        ("vehicle", "Car"), ("cars", "Car"), ("sidewalk", "Pavement"), ("vegetation", "Tree"),
        ("sign", "SignSymbol"), ("signs", "SignSymbol"), ("traffic sign", "SignSymbol"),
        ("cyclist", "Bicyclist"), ("bicycle", "Bicyclist"), ("rider", "Bicyclist"),
        ("void", "Unlabelled"), ("unlabeled", "Unlabelled"),
    ),
)

_VOCABULARIES = {CAMVID.name: CAMVID}


def get_vocabulary(name: str) -> Vocabulary:
    """A built-in vocabulary by name."""
    if name not in _VOCABULARIES:
        raise UnknownClassError(f"unknown vocabulary {name!r}; known: {', '.join(sorted(_VOCABULARIES))}")
    return _VOCABULARIES[name]
