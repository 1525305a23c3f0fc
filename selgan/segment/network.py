"""The built-in street-scene segmenter: a compact residual encoder-decoder trained from scratch."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn(in_ch: int, out_ch: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
    )


class BasicBlock(nn.Module):
    """ResNet basic block; stride or width changes go through a 1×1 projection."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.conv1 = conv_bn(in_ch, out_ch, stride, dilation)
        self.conv2 = nn.Sequential(
            nn.Conv2d(out_ch, out_ch, 3, padding=dilation, dilation=dilation, bias=False), nn.BatchNorm2d(out_ch)
        )
        self.skip = (
            nn.Identity() if stride == 1 and in_ch == out_ch
            else nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm2d(out_ch))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(self.conv1(x)) + self.skip(x), inplace=True)


class ContextPool(nn.Module):
    """Image-level pooling branch added to the deepest features (global scene context)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.proj = nn.Sequential(nn.Conv2d(channels, channels, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.proj(F.adaptive_avg_pool2d(x, 1))


class StreetSegNet(nn.Module):
    """Encoder at strides 2..16 (dilated residual blocks at 1/16), FPN-style decoder to 1/4, logits upsampled."""

    def __init__(self, num_classes: int, widths: tuple[int, ...] = (32, 48, 96, 160), decoder_width: int = 64) -> None:
        super().__init__()
        w0, w1, w2, w3 = widths
        self.stem = nn.Sequential(conv_bn(3, w0 // 2, 2), conv_bn(w0 // 2, w0))  # 1/2
        self.stage1 = nn.Sequential(BasicBlock(w0, w1, 2), BasicBlock(w1, w1))  # 1/4
        self.stage2 = nn.Sequential(BasicBlock(w1, w2, 2), BasicBlock(w2, w2))  # 1/8
        self.stage3 = nn.Sequential(
            BasicBlock(w2, w3, 2), BasicBlock(w3, w3, dilation=2), BasicBlock(w3, w3, dilation=4), ContextPool(w3)
        )  # 1/16
        self.lateral3 = nn.Conv2d(w3, decoder_width, 1)
        self.lateral2 = nn.Conv2d(w2, decoder_width, 1)
        self.lateral1 = nn.Conv2d(w1, decoder_width, 1)
        self.smooth = conv_bn(decoder_width, decoder_width)
        self.classifier = nn.Conv2d(decoder_width, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: N,3,H,W normalised -> N,K,H,W logits
        f1 = self.stage1(self.stem(x))
        f2 = self.stage2(f1)
        f3 = self.stage3(f2)
        p = self.lateral3(f3)
        p = F.interpolate(p, size=f2.shape[-2:], mode="bilinear", align_corners=False) + self.lateral2(f2)
        p = F.interpolate(p, size=f1.shape[-2:], mode="bilinear", align_corners=False) + self.lateral1(f1)
        logits = self.classifier(self.smooth(p))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Encoder features at 1/4, 1/8, 1/16 (usable as a frozen perceptual network)."""
        f1 = self.stage1(self.stem(x))
        f2 = self.stage2(f1)
        return [f1, f2, self.stage3(f2)]


# ImageNet statistics are a reasonable fixed normalisation even when training from scratch.
_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def normalize(x: torch.Tensor) -> torch.Tensor:
    """N,3,H,W in [0,1] -> the network's input scale."""
    return (x - _MEAN.to(x.device)) / _STD.to(x.device)
