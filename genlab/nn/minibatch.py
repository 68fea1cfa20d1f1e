"""Minibatch standard deviation (Karras et al., 2018): one feature more, the spread of the batch.

A generator that has collapsed makes near-identical samples, so a batch of them has almost no
spread, which a discriminator that sees this feature can tell from real data at once. StyleGAN's
residual discriminator appends it near its end; `genlab.nn.discriminator_views` puts it in front
of any discriminator. One function serves images (N, C, H, W) — the feature is one more channel —
and vectors (N, F) — one more coordinate.
"""

import torch
from torch import Tensor


def minibatch_stddev(x: Tensor, group_size: int = 4) -> Tensor:
    """x with one feature more along dim 1: the standard deviation of each value over groups of
    `group_size` samples (sample i is in group i mod N/group_size), averaged over features and
    positions; the largest group size ≤ the asked one that divides the batch."""
    batch = x.shape[0]
    group = next(g for g in range(min(group_size, batch), 0, -1) if batch % g == 0)
    y = x.reshape(group, -1, *x.shape[1:]).float()
    y = (y - y.mean(dim=0)).square().mean(dim=0).add(1e-8).sqrt()
    y = y.flatten(1).mean(dim=1).to(x.dtype)
    spread = y.repeat(group).reshape(batch, 1, *([1] * (x.dim() - 2)))
    return torch.cat([x, spread.expand(-1, 1, *x.shape[2:])], dim=1)
