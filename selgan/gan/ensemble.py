"""Several discriminators judging the same images, each with its own weight.

The projected discriminator (frozen ImageNet features) removed the speckle of the first models but
tolerates periodic textures: its features are strided and pooled. A pixel-space PatchGAN sees every
pixel and punishes exactly that. DiscriminatorSet lets them judge side by side behind the one
interface the trainer knows (embed, then call; output[scale][layer]), with `groups` telling the
losses which scales belong to which member and how much each member counts.
"""

from __future__ import annotations

import torch
from torch import nn


class DiscriminatorSet(nn.Module):
    """Members' embeddings and outputs concatenated in order; `groups` = (scales, weight) per member."""

    def __init__(self, members: list[nn.Module], weights: list[float]) -> None:
        super().__init__()
        if len(members) != len(weights) or not members:
            raise ValueError("a DiscriminatorSet needs one weight per member and at least one member")
        self.members = nn.ModuleList(members)
        self.weights = tuple(float(w) for w in weights)

    @property
    def embedded_levels(self) -> int:
        """How many maps embed() returns in all."""
        return sum(member.embedded_levels for member in self.members)

    @property
    def groups(self) -> tuple[tuple[int, float], ...]:
        """Each member's scale count with the member's weight (its own groups are single, weight 1)."""
        return tuple(
            (count, weight * own) for member, weight in zip(self.members, self.weights) for count, own in member.groups
        )

    def embed(self, image: torch.Tensor) -> list[torch.Tensor]:
        """Every member's embedding of the image, concatenated (each member's frozen part runs once)."""
        return [level for member in self.members for level in member.embed(image)]

    def forward(self, embedded: list[torch.Tensor], labels_one_hot: torch.Tensor) -> list[list[torch.Tensor]]:
        outputs, start = [], 0
        for member in self.members:
            count = member.embedded_levels
            outputs += member(embedded[start : start + count], labels_one_hot)
            start += count
        return outputs
