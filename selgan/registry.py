"""One way to name an implementation: a Registry maps names to builders of one kind.

Generators, discriminators, segmenter backends, baseline codecs and data layouts are each one
Registry; a config value or a command-line name picks an entry, and an unknown name gives one
message that lists the known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from selgan.errors import SelganError

T = TypeVar("T")


class Registry(Generic[T]):
    """Names -> entries (classes, builder functions or values) of one kind, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # how messages name what is looked up, e.g. "model.generator"
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator (or call) adding an entry under name; a name is registered once."""

        def add(entry: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = entry
            return entry

        return add

    def __getitem__(self, name: str) -> T:
        if name not in self._entries:
            raise SelganError(f"unknown {self.kind} {name!r}; choose from {', '.join(self._entries)}")
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        """The registered names, in order."""
        return list(self._entries)
