"""Which autocast dtype a training run uses: bf16 only where the hardware computes it natively."""

from __future__ import annotations

import torch

from selgan.errors import SelganError
from selgan.hardware import native_bf16

AMP_CHOICES = ("auto", "bf16", "none")


def amp_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for an `amp` setting: auto (bf16 where native, else fp32), bf16 (always) or none."""
    if amp not in AMP_CHOICES:
        raise SelganError(f"amp must be one of {', '.join(AMP_CHOICES)}, not {amp!r}")
    if amp == "none" or (amp == "auto" and not native_bf16(device)):
        return None
    return torch.bfloat16
