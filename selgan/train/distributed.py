"""One process or many (torchrun): process group, device, and a sampler that shards and resumes exactly."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import Sampler


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        """Rank 0 logs, evaluates and writes checkpoints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def init_distributed() -> DistInfo:
    """Read torchrun's environment; NCCL on GPUs, gloo on CPUs. Without torchrun: a single CPU/GPU process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local_rank}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    rank = dist.get_rank() if world_size > 1 else 0
    return DistInfo(rank, world_size, local_rank, device)


def shutdown_distributed() -> None:
    """Leave the process group (if any)."""
    if dist.is_initialized():
        dist.destroy_process_group()


class EpochSampler(Sampler[int]):
    """A seeded permutation per epoch, sharded over ranks; can start part-way into an epoch (exact resume)."""

    def __init__(self, length: int, batch: int, seed: int, rank: int = 0, world_size: int = 1) -> None:
        self.length, self.batch, self.seed = length, batch, seed
        self.rank, self.world_size = rank, world_size
        self.per_rank = length // world_size
        self.batches_per_epoch = self.per_rank // batch
        if self.batches_per_epoch == 0:
            raise ValueError(f"{length} samples are fewer than one batch of {batch} per process")
        self.epoch, self.skip_batches = 0, 0

    def start_at(self, step: int) -> None:
        """Position the sampler so the next batch is the one global step `step` would have seen."""
        self.epoch, self.skip_batches = divmod(step, self.batches_per_epoch)

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(self.length, generator=generator)[: self.per_rank * self.world_size]
        mine = order[self.rank :: self.world_size][: self.batches_per_epoch * self.batch]
        start = self.skip_batches * self.batch
        self.skip_batches = 0
        return iter(mine[start:].tolist())

    def __len__(self) -> int:
        return (self.batches_per_epoch - self.skip_batches) * self.batch
