"""Run by test_train.py under torchrun: trains a few steps, then each rank saves the weights it holds."""

import sys
from pathlib import Path

import torch

from selgan.train.config import load_train_config
from selgan.train.distributed import init_distributed, shutdown_distributed
from selgan.train.run import build_trainer

config, out = sys.argv[1], Path(sys.argv[2])
overrides = sys.argv[3:]
dist = init_distributed()
torch.set_num_threads(1)
trainer = build_trainer(load_train_config(config, overrides), out, dist, float("inf"))
trainer.train()
torch.save(
    {"codec": trainer.codec.state_dict(), "disc": trainer.discriminator.state_dict(), "world": dist.world_size},
    out / f"rank{dist.rank}.pt",
)
shutdown_distributed()
