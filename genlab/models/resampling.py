"""DB-VAE's adaptive resampling (Amini et al., "Uncovering and Mitigating Algorithmic Bias through
Learned Latent Structure", AIES 2019): examples whose latent codes are rare in the training set
are drawn more often, so a classifier trained beside the VAE sees under-represented subgroups as
often as common ones, without anyone labelling the subgroups.

Each latent dimension's density is estimated with a histogram of the examples' posterior means
(`bins` equal-width bins over the observed range, each bin's share of the examples smoothed by
`alpha`); an example's weight along a dimension is 1 / (its bin's smoothed share), normalised; its
weight is the largest over the dimensions (rare along any one of them is rare), normalised again.
A latent mixture of 90 % common and 10 % rare examples gives the rare ones 9× the weight.
"""

import torch
from torch import Tensor

from genlab.errors import GenlabError


def debiasing_weights(codes: Tensor, bins: int = 10, alpha: float = 1e-3) -> Tensor:
    """Sampling probabilities (summing to 1) for examples with latent means `codes` (n, d)."""
    if bins < 1 or alpha < 0:
        raise GenlabError(f"model.resampling: bins={bins} must be ≥ 1 and alpha={alpha} ≥ 0")
    codes = codes.detach().double().cpu()
    weights = torch.zeros(len(codes), dtype=torch.float64)
    for column in codes.T:
        low, high = float(column.min()), float(column.max())
        width = (high - low) / bins or 1.0  # a constant dimension: one bin holds every example
        index = ((column - low) / width).long().clamp(0, bins - 1)
        share = torch.bincount(index, minlength=bins).double() / len(column)
        smoothed = (share + alpha) / (share + alpha).sum()
        along = 1 / smoothed[index]
        weights = torch.maximum(weights, along / along.sum())
    return weights / weights.sum()
