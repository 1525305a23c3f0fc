"""What the machine computes fast: the one place that asks (training's amp=auto, encode-time refinement)."""

from __future__ import annotations

import torch


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
