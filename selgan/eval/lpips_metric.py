"""LPIPS (Zhang et al., CVPR 2018) from the `lpips` package, when its ImageNet backbone is in torch's cache.

The package ships its learned linear layers; the AlexNet backbone under them comes from torchvision's hub
cache. This module never downloads: without the cached file (or the package) LPIPS is simply not reported.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch


def backbone_path() -> Path:
    """Where torchvision keeps the AlexNet weights LPIPS needs ($TORCH_HOME/hub/checkpoints)."""
    from torchvision.models import AlexNet_Weights

    return Path(torch.hub.get_dir()) / "checkpoints" / Path(AlexNet_Weights.IMAGENET1K_V1.url).name


@lru_cache(maxsize=1)
def lpips_distance() -> Callable[[np.ndarray, np.ndarray], float] | None:
    """(uint8 H×W×3, uint8 H×W×3) -> LPIPS (AlexNet, v0.1; lower is closer), or None without the cached backbone."""
    import lpips

    if not backbone_path().is_file():
        return None
    net = lpips.LPIPS(net="alex", version="0.1", verbose=False).eval()

    @torch.no_grad()
    def distance(a: np.ndarray, b: np.ndarray) -> float:
        def tensor(image: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 127.5 - 1

        return float(net(tensor(a), tensor(b)).item())

    return distance
