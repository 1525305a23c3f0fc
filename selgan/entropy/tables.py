"""Frozen integer frequency tables as registered buffers: the one way every entropy model keeps its tables."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class FrozenTables(nn.Module):
    """Base of the entropy models. Each name in TABLES is an int32 buffer (rows of frequencies summing to
    2**PRECISION) that is empty until fitted, saved and restored with the network's state dict.

    A stored table replaces the empty one whatever its number of rows (only fitting decides it), and a state
    dict without a table (a training checkpoint) loads as unfitted: export fits the tables before shipping.
    """

    TABLES: tuple[str, ...] = ()

    def __init__(self, columns: dict[str, int]) -> None:
        super().__init__()
        for name in self.TABLES:
            self.register_buffer(name, torch.zeros(0, columns[name], dtype=torch.int32))

    def set_table(self, name: str, table: np.ndarray) -> None:
        """Freeze `table` (integer frequencies) as the buffer `name`, after the subclass checked its shape."""
        self.check_table(name, tuple(table.shape))
        setattr(self, name, torch.from_numpy(np.asarray(table).astype(np.int32)))

    def check_table(self, name: str, shape: tuple[int, ...]) -> None:
        """Raise ValueError when a table of this shape cannot be this model's (subclasses know their shapes)."""

    @property
    def fitted(self) -> bool:
        return all(getattr(self, name).numel() > 0 for name in self.TABLES)

    def frozen(self, name: str) -> np.ndarray:
        """The table for coding; a clear error when it was never fitted."""
        table = getattr(self, name)
        if table.numel() == 0:
            raise RuntimeError(
                f"{type(self).__name__} has no fitted {name}: fit it (update() or fit(); export does) before coding"
            )
        return table.numpy()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors):
        for name in self.TABLES:
            stored = state_dict.get(prefix + name)
            if stored is not None and stored.numel() > 0:
                try:
                    self.check_table(name, tuple(stored.shape))
                except ValueError as exc:
                    errors.append(f"{prefix}{name}: {exc}")
                    continue
            if stored is not None:
                setattr(self, name, torch.zeros_like(stored, dtype=torch.int32))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, errors)
        for name in self.TABLES:  # an absent table is an unfitted one
            if prefix + name in missing_keys:
                missing_keys.remove(prefix + name)


def table_keys(model: nn.Module) -> list[str]:
    """The state-dict keys of every frozen table in `model` (what a training run starts without)."""
    return [
        f"{prefix}.{name}" if prefix else name
        for prefix, module in model.named_modules()
        if isinstance(module, FrozenTables)
        for name in module.TABLES
    ]
