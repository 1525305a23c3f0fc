"""Label vocabularies (class names, colours, ignore id, things, synonyms) and mappings between them.

Both are data: YAML files in vocabularies/ and mappings/, and users may load their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from selgan.config import load_yaml
from selgan.errors import SelganError, UnknownClassError

_HERE = Path(__file__).resolve().parent
_VOCAB_DIR = _HERE / "vocabularies"
_MAPPING_DIR = _HERE / "mappings"


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
            lookup.setdefault(alias.lower(), lookup[target.lower()])
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

    def palette(self) -> np.ndarray:
        """(num_classes, 3) uint8 colours."""
        return np.asarray(self.colors, dtype=np.uint8)


def load_vocabulary(path: str | Path) -> Vocabulary:
    """A vocabulary from YAML: name, ignore_id, classes [{name, color, thing?}], synonyms {alias: class}."""
    data = load_yaml(Path(path))
    try:
        classes = data["classes"]
        names = tuple(str(c["name"]) for c in classes)
        colors = tuple(tuple(int(v) for v in c.get("color", (0, 0, 0))) for c in classes)
        things = tuple(i for i, c in enumerate(classes) if c.get("thing", False))
        ignore_id = int(data.get("ignore_id", len(names) - 1))
        synonyms = tuple((str(a), str(t)) for a, t in (data.get("synonyms") or {}).items())
        name = str(data.get("name", Path(path).stem))
    except (KeyError, TypeError, ValueError) as exc:
        raise SelganError(
            f"{path}: not a vocabulary file ({exc!r}); see selgan/segment/vocabularies/camvid.yaml"
        ) from None
    if not 0 <= ignore_id < len(names) or any(len(c) != 3 for c in colors):
        raise SelganError(f"{path}: ignore_id must be a class index and colours RGB triples")
    lower = {n.lower() for n in names}
    missing = [t for _, t in synonyms if t.lower() not in lower]
    if missing:
        raise SelganError(f"{path}: synonyms point to unknown classes {missing}")
    return Vocabulary(name, names, colors, ignore_id, things, synonyms)


@cache
def get_vocabulary(name: str) -> Vocabulary:
    """A built-in vocabulary by name, or a user vocabulary by YAML path."""
    if name.endswith((".yaml", ".yml")):
        return load_vocabulary(name)
    path = _VOCAB_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in _VOCAB_DIR.glob("*.yaml")))
        raise UnknownClassError(f"unknown vocabulary {name!r}; known: {known} (or a path to a vocabulary YAML)")
    return load_vocabulary(path)


@dataclass(frozen=True)
class LabelMapping:
    """A lookup table from one vocabulary's ids to another's."""

    source: str
    target: str
    table: np.ndarray  # (source.num_classes,) target ids

    def __call__(self, labels: np.ndarray) -> np.ndarray:
        """Map an id array; ids outside the source vocabulary raise a clear error."""
        labels = np.asarray(labels)
        if labels.size and (labels.min() < 0 or labels.max() >= self.table.size):
            raise SelganError(f"label ids outside the {self.source} vocabulary (0–{self.table.size - 1})")
        return self.table[labels]


def get_mapping(source: str, target: str) -> LabelMapping:
    """The mapping between two built-in vocabularies (identity when they are the same)."""
    src = get_vocabulary(source)
    if source == target:
        return LabelMapping(source, target, np.arange(src.num_classes))
    path = _MAPPING_DIR / f"{source}__{target}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem.replace("__", " -> ") for p in sorted(_MAPPING_DIR.glob("*.yaml")))
        raise SelganError(f"no mapping from {source} to {target}; available: {known}")
    data = load_yaml(path)
    table = np.full(src.num_classes, int(data["default"]), dtype=np.int64)
    for k, v in data["table"].items():
        table[int(k)] = int(v)
    return LabelMapping(source, target, table)


CAMVID = get_vocabulary("camvid")
