"""Arranging image batches into comparison grids."""

import torch
from torch import Tensor


def inputs_above_outputs(x: Tensor, y: Tensor, nrow: int) -> Tensor:
    """Interleave rows of `nrow` images: a row of inputs, then the same row of outputs."""
    rows = []
    for start in range(0, len(x), nrow):
        rows += [x[start : start + nrow], y[start : start + nrow]]
    return torch.cat(rows)
