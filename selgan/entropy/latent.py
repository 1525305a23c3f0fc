"""Learned probability model for latent symbols, conditioned on class and causal neighbours.

Context of symbol (c, y, x): the semantic class at (y, x), the symbols left of it and
above it in channel c, and the symbol at (y, x) in channel c-1 (each 'not coded' when
absent). Training uses the float logits; coding uses integer tables frozen by update().
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from selgan.entropy.coder import ANS_SLACK_BYTES, PRECISION, decode_grid, encode_grid, quantize_pmf
from selgan.entropy.tables import FrozenTables


class LatentContextModel(FrozenTables):
    """logits[c, class, left, top, prev] = full + neighbours-only + class-only terms."""

    TABLES = ("freq_table",)  # integer tables for coding; empty until update() freezes them

    def __init__(self, latent_channels: int, num_centers: int, num_classes: int) -> None:
        super().__init__({"freq_table": num_centers})
        self.latent_channels = latent_channels
        self.num_centers = num_centers
        self.num_classes = num_classes
        s, k, c, n = num_centers + 1, num_classes, latent_channels, num_centers
        self.full_logits = nn.Parameter(torch.zeros(c, k, s, s, s, n))
        self.neighbour_logits = nn.Parameter(torch.zeros(c, 1, s, s, s, n))
        self.class_logits = nn.Parameter(torch.zeros(c, k, 1, 1, 1, n))

    def log_pmf(self) -> torch.Tensor:
        """(contexts, L) natural-log probabilities for every context."""
        logits = self.full_logits + self.neighbour_logits + self.class_logits
        return F.log_softmax(logits.reshape(-1, self.num_centers), dim=-1)

    def context_index(self, symbols: torch.Tensor, coded: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """Context row for every (n, c, y, x). symbols N,C,h,w long; coded N,1,h,w bool; classes N,h,w."""
        absent = self.num_centers
        s = symbols.masked_fill(~coded, absent)
        left = F.pad(s, (1, 0, 0, 0), value=absent)[..., :, :-1]
        top = F.pad(s, (0, 0, 1, 0), value=absent)[..., :-1, :]
        prev = F.pad(s, (0, 0, 0, 0, 1, 0), value=absent)[:, :-1]
        chan = torch.arange(s.shape[1], device=s.device).view(1, -1, 1, 1)
        return self._context_row(chan, classes.unsqueeze(1), left, top, prev)

    def _context_row(self, chan, classes, left, top, prev):
        """The one definition of a context's table row, for torch tensors (training) and numpy arrays (coding) alike."""
        states = self.num_centers + 1
        return (((chan * self.num_classes + classes) * states + left) * states + top) * states + prev

    def bits(
        self, symbols: torch.Tensor, soft: torch.Tensor, coded: torch.Tensor, classes: torch.Tensor
    ) -> torch.Tensor:
        """Estimated bits of the coded symbols, differentiable w.r.t. the model and (via soft) the encoder."""
        ctx = self.context_index(symbols.detach(), coded, classes)  # N,C,h,w
        log_p = self.log_pmf()[ctx]  # N,C,h,w,L
        hard = F.one_hot(symbols, self.num_centers).to(soft.dtype)
        assign = hard + soft - soft.detach()
        nats = -(assign * log_p).sum(-1) * coded.to(soft.dtype)
        return nats.sum() / math.log(2.0)

    @torch.no_grad()
    def update(self) -> None:
        """Freeze the current probabilities into integer tables used by encode/decode."""
        pmf = self.log_pmf().double().exp().cpu().numpy()
        self.set_table("freq_table", quantize_pmf(pmf))

    def check_table(self, name: str, shape: tuple[int, ...]) -> None:
        states = self.num_centers + 1
        expected = (self.latent_channels * self.num_classes * states**3, self.num_centers)
        if shape != expected:
            raise ValueError(f"latent table must be {expected}, got {shape}")

    def encode(self, symbols: np.ndarray, coded: np.ndarray, classes: np.ndarray) -> bytes:
        """symbols (C,h,w), coded (h,w) bool, classes (h,w) -> bytes."""
        grid = np.where(coded[None], symbols, self.num_centers).reshape(-1, symbols.shape[-1])
        valid = np.tile(coded, (self.latent_channels, 1))
        return encode_grid(grid, valid, self.frozen("freq_table"), self._context_fn(classes), slope=1)

    def min_bytes(self, symbols: np.ndarray, coded: np.ndarray, classes: np.ndarray) -> int:
        """A floor on len(encode(symbols, coded, classes)), without coding: the symbols' information content
        under the frozen tables, less the coder's slack. Rate control uses it to skip candidates that cannot fit."""
        table = self.frozen("freq_table")
        ctx = self.context_index(
            torch.from_numpy(symbols).long()[None],
            torch.from_numpy(coded)[None, None],
            torch.from_numpy(np.asarray(classes)).long()[None],
        )[0].numpy()
        freq = table[ctx, np.minimum(symbols, self.num_centers - 1)][np.broadcast_to(coded, symbols.shape)]
        bits = float(np.sum(PRECISION - np.log2(freq.astype(np.float64))))
        return max(0, math.floor(bits / 8) - ANS_SLACK_BYTES)

    def decode(self, data: bytes, coded: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """bytes -> symbols (C,h,w); uncoded positions hold the 'absent' value L."""
        valid = np.tile(coded, (self.latent_channels, 1))
        table = self.frozen("freq_table")
        grid = decode_grid(data, valid, table, self._context_fn(classes), slope=1, fill=self.num_centers)
        return grid.reshape(self.latent_channels, *coded.shape)

    def _context_fn(self, classes: np.ndarray):
        height = classes.shape[0]
        absent = self.num_centers

        def context(grid: np.ndarray, rows: np.ndarray, xs: np.ndarray) -> np.ndarray:
            chan, ys = rows // height, rows % height
            left = np.where(xs > 0, grid[rows, np.maximum(xs - 1, 0)], absent)
            top = np.where(ys > 0, grid[np.maximum(rows - 1, 0), xs], absent)
            prev = np.where(chan > 0, grid[np.maximum(rows - height, 0), xs], absent)
            return self._context_row(chan, classes[ys, xs], left, top, prev)

        return context
