"""Multi-scale PatchGAN discriminator conditioned on the label map (pix2pixHD / Agustsson et al.)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm as apply_spectral_norm


class LayerStack(nn.Module):
    """Layers run in order; every layer's output is returned (logits last), for feature matching."""

    layers: nn.ModuleList

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for layer in self.layers:
            x = layer(x)
            features.append(x)
        return features


class PatchDiscriminator(LayerStack):
    """Strided convs over [image, one-hot labels]; returns the features of every layer, logits last."""

    def __init__(self, in_channels: int, base_width: int, num_layers: int, spectral_norm: bool) -> None:
        super().__init__()
        wrap = apply_spectral_norm if spectral_norm else (lambda m: m)
        widths = [base_width * min(2**i, 8) for i in range(num_layers + 1)]
        layers = [nn.Sequential(wrap(nn.Conv2d(in_channels, widths[0], 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True))]
        for i in range(1, num_layers + 1):
            stride = 2 if i < num_layers else 1
            layers.append(
                nn.Sequential(
                    wrap(nn.Conv2d(widths[i - 1], widths[i], 4, stride, 1)),
                    nn.InstanceNorm2d(widths[i]) if not spectral_norm else nn.Identity(),
                    nn.LeakyReLU(0.2, inplace=True),
                )
            )
        layers.append(wrap(nn.Conv2d(widths[-1], 1, 4, 1, 1)))
        self.layers = nn.ModuleList(layers)


class MultiScaleDiscriminator(nn.Module):
    """The same PatchGAN at scales 1, 1/2, 1/4…; output[scale][layer], the last layer being logits."""

    def __init__(
        self,
        num_classes: int,
        num_scales: int = 3,
        base_width: int = 64,
        num_layers: int = 3,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.scales = nn.ModuleList(
            PatchDiscriminator(3 + num_classes, base_width, num_layers, spectral_norm) for _ in range(num_scales)
        )

    embedded_levels = 1  # embed() returns the image alone

    @property
    def groups(self) -> tuple[tuple[int, float], ...]:
        """One discriminator: all its scales, weight 1 (see gan.losses.Groups)."""
        return ((len(self.scales), 1.0),)

    def embed(self, image: torch.Tensor) -> list[torch.Tensor]:
        """Nothing is frozen here: the image itself, as a one-level list (ProjectedDiscriminator's interface)."""
        return [image]

    def forward(self, embedded: list[torch.Tensor], labels_one_hot: torch.Tensor) -> list[list[torch.Tensor]]:
        # embedded: [N,3,H,W in [0,1]]; labels_one_hot: N,K,h,w at any resolution (resized to the image's)
        image = embedded[0]
        labels = F.interpolate(labels_one_hot, size=image.shape[-2:], mode="nearest").to(image.dtype)
        x = torch.cat([image * 2 - 1, labels], dim=1)
        outputs = []
        for i, disc in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            outputs.append(disc(x))
        return outputs
