"""A discriminator over local power spectra (a frequency-domain critic, after Fuoli et al., "Fourier Space
Losses for Efficient Perceptual Image Super-Resolution", ICCV 2021, and Durall et al., CVPR 2020).

A periodic texture puts its energy into a few isolated frequencies; a photograph spreads it over each
frequency ring. Seen as an image, the log power spectrum of a lattice has bright dots that a small
convolutional net finds at once, wherever the lattice lies and whatever its period, while pixel- and
feature-space discriminators must learn it from scattered strided views. The image is cut into
window×window tiles (luminance, mean removed, Hann-windowed, as selgan.metrics.periodic_peaks measures
it); each tile's spectrum is judged with its class histogram as the condition.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from selgan.gan.discriminator import LayerStack

_LUMA = (0.299, 0.587, 0.114)


def tile_log_spectra(image: torch.Tensor, window: int) -> torch.Tensor:
    """N,3,H,W in [0,1] -> N·T,1,window,window//2+1 log power spectra of its non-overlapping tiles
    (low frequencies centred along the first axis); H and W must be multiples of window."""
    n, _, h, w = image.shape
    luma = torch.einsum("nchw,c->nhw", image.float(), image.new_tensor(_LUMA, dtype=torch.float32))
    tiles = luma.reshape(n, h // window, window, w // window, window).permute(0, 1, 3, 2, 4).reshape(-1, window, window)
    tiles = tiles - tiles.mean(dim=(1, 2), keepdim=True)
    hann = torch.hann_window(window, periodic=False, dtype=tiles.dtype, device=tiles.device)
    power = torch.fft.rfft2(tiles * torch.outer(hann, hann)).abs().square()
    return torch.fft.fftshift(torch.log(power + 1e-6), dim=1)[:, None]


class SpectrumCritic(LayerStack):
    """3×3 convs (spectral norm, LeakyReLU), strided three times, then a linear logit per tile."""

    def __init__(self, in_channels: int, width: int) -> None:
        super().__init__()
        layers, channels = [], in_channels
        for out, stride in ((width, 1), (width, 2), (2 * width, 2), (4 * width, 2)):
            layers.append(
                nn.Sequential(spectral_norm(nn.Conv2d(channels, out, 3, stride, 1)), nn.LeakyReLU(0.2, inplace=True))
            )
            channels = out
        layers.append(nn.Sequential(nn.AdaptiveAvgPool2d(1), spectral_norm(nn.Conv2d(channels, 1, 1))))
        self.layers = nn.ModuleList(layers)


class FourierDiscriminator(nn.Module):
    """Judges each tile's log power spectrum, conditioned on the share of every class in the tile."""

    embedded_levels = 1

    def __init__(self, num_classes: int, window: int = 64, width: int = 32) -> None:
        super().__init__()
        self.window = window
        self.critic = SpectrumCritic(1 + num_classes, width)

    @property
    def groups(self) -> tuple[tuple[int, float], ...]:
        """One discriminator with one scale, weight 1 (see gan.losses.Groups)."""
        return ((1, 1.0),)

    def embed(self, image: torch.Tensor) -> list[torch.Tensor]:
        """N,3,H,W in [0,1] -> [N·T,1,window,window//2+1 log spectra] (differentiable; nothing trained)."""
        return [tile_log_spectra(image, self.window)]

    def forward(self, embedded: list[torch.Tensor], labels_one_hot: torch.Tensor) -> list[list[torch.Tensor]]:
        # labels_one_hot: N,K,H,W at the image's resolution -> each tile's class shares, as constant channels.
        spectra = embedded[0]
        shares = F.avg_pool2d(labels_one_hot.float(), self.window)  # N,K,H/window,W/window
        shares = shares.permute(0, 2, 3, 1).reshape(-1, shares.shape[1], 1, 1).to(spectra.dtype)
        condition = shares.expand(-1, -1, *spectra.shape[-2:])
        # Centre the log spectrum roughly (a photo tile's log power is around 0–10): the critic starts balanced.
        return [self.critic(torch.cat([(spectra - 4.0) / 4.0, condition], dim=1))]
