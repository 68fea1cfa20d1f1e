"""Fully connected encoder/decoder pairs (the lecture's `autoencoder1`)."""

import itertools
import math
from collections.abc import Callable, Sequence

from torch import nn


def mlp(dims: Sequence[int], activation: Callable[[], nn.Module] = nn.ReLU) -> nn.Sequential:
    """Linear layers through `dims`, with `activation` between them and none after the last."""
    layers: list[nn.Module] = []
    for i, (d_in, d_out) in enumerate(itertools.pairwise(dims)):
        layers.append(nn.Linear(d_in, d_out))
        if i < len(dims) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def mlp_pair(
    data_shape: Sequence[int], encoder_out: int, decoder_in: int, hidden: Sequence[int] = (512, 256)
) -> tuple[nn.Module, nn.Module]:
    """Encoder x ↦ R^encoder_out and mirrored decoder R^decoder_in ↦ x (unbounded outputs)."""
    shape = tuple(int(s) for s in data_shape)
    d = math.prod(shape)
    hidden = [int(h) for h in hidden]
    encoder = nn.Sequential(nn.Flatten(), mlp([d, *hidden, encoder_out]))
    decoder = nn.Sequential(mlp([decoder_in, *reversed(hidden), d]), nn.Unflatten(1, shape))
    return encoder, decoder
