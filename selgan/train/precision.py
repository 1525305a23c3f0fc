"""Which autocast dtype a training run uses: bf16 only where the hardware computes it natively."""

from __future__ import annotations

import torch

from selgan.errors import SelganError

AMP_CHOICES = ("auto", "bf16", "none")


def native_bf16(device: torch.device) -> bool:
    """Whether bf16 autocast is likely to speed `device` up rather than slow it down.

    CUDA: bf16 tensor cores (Ampere and later). CPU: AVX512-BF16 or AMX. On a CPU without them oneDNN emulates
    bf16, and a segmenter training step ran 9x slower than fp32 (40.6 s against 4.6 s, batch 8 at 384², on a
    2-thread AVX2 EPYC; benchmarks/step_precision.py), so `auto` must not pick it there."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        cpu = torch.cpu
        return any(
            getattr(cpu, probe, lambda: False)() for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        )
    return False


def amp_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for an `amp` setting: auto (bf16 where native, else fp32), bf16 (always) or none."""
    if amp not in AMP_CHOICES:
        raise SelganError(f"amp must be one of {', '.join(AMP_CHOICES)}, not {amp!r}")
    if amp == "none" or (amp == "auto" and not native_bf16(device)):
        return None
    return torch.bfloat16
