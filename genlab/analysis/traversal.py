"""Latent traversal: vary one latent coordinate, hold the others (the lecture's β-VAE figure)."""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor


def latent_traversal(decode: Callable[[Tensor], Tensor], z: Tensor, dims: Sequence[int], values: Tensor) -> Tensor:
    """Images for z with z[d] replaced by each value: row d of the grid is latent dims[d].

    Returns a (len(dims)·len(values), *image) batch in row-major order.
    """
    rows = []
    for d in dims:
        zs = z.expand(len(values), -1).clone()
        zs[:, d] = values.to(z)
        rows.append(zs)
    return decode(torch.cat(rows))
