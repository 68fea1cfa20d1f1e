"""The order of training examples: a function of (seed, epoch, position), so a resumed run reads
exactly the batches an uninterrupted one would have read next.

A plain `RandomSampler` draws its permutation from the global RNG, so a resumed run would see a
different order. `EpochShuffleSampler` shuffles from (seed, epoch) only; Lightning calls
`set_epoch` every epoch (and wraps the sampler for DDP, which reshuffles by epoch as well).
`ResumingBatchSampler` leaves out the batches an interrupted epoch had already consumed, on its
first pass only; it skips index lists, so no skipped example is loaded. It works after Lightning's
DDP wrapping too (Lightning re-creates it around the distributed sampler with the same `skip`), and
then skips per rank, which is what each rank consumed.
"""

import itertools
from collections.abc import Callable, Iterator

import torch
from torch import Tensor
from torch.utils.data import BatchSampler, Sampler


class EpochShuffleSampler(Sampler[int]):
    """A permutation per epoch; or, with `weigh` (epoch → one probability per example), `size`
    draws with replacement by those probabilities (DB-VAE's adaptive resampling), asked for when
    the epoch's iteration starts."""

    def __init__(self, size: int, seed: int = 0, epoch: int = 0, weigh: Callable[[int], Tensor] | None = None) -> None:
        self.size = size
        self.seed = seed
        self.epoch = epoch
        self.weigh = weigh

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        if self.weigh is not None:
            weights = self.weigh(self.epoch).double()
            return iter(torch.multinomial(weights, self.size, replacement=True, generator=generator).tolist())
        return iter(torch.randperm(self.size, generator=generator).tolist())

    def __len__(self) -> int:
        return self.size


class ResumingBatchSampler(BatchSampler):
    def __init__(self, sampler: Sampler[int], batch_size: int, drop_last: bool, skip: int = 0) -> None:
        super().__init__(sampler, batch_size, drop_last)
        self.skip = skip

    def __iter__(self) -> Iterator[list[int]]:
        skip, self.skip = self.skip, 0
        return itertools.islice(super().__iter__(), skip, None)
