"""Shuffling that depends only on (seed, epoch).

A plain `RandomSampler` draws its permutation from the global RNG, so a run resumed from a
checkpoint would see a different order than the uninterrupted run. Lightning calls `set_epoch`
on every epoch (and wraps this sampler for DDP), which makes the order reproducible.
"""

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler


class EpochShuffleSampler(Sampler[int]):
    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        return iter(torch.randperm(self.size, generator=generator).tolist())

    def __len__(self) -> int:
        return self.size
