"""SSIM (Wang et al. 2004) with torchmetrics' defaults — an 11-tap Gaussian window of σ 1.5,
reflect padding, K1 0.01, K2 0.03, the mean over pixels then over images — computed as two
banded matrix products instead of one 11×11 convolution.

Why not `torchmetrics.functional.structural_similarity_index_measure` itself: on the CPU its
single-channel 11×11 `conv2d` runs at a few GFLOP/s, 11–33 ms for a batch of 128 digits at
32 px, which made SSIM a third to a half of a VAE validation step and validation 8 % of a
Fashion-MNIST epoch. The Gaussian window is the outer product of two 1-D Gaussians, so
filtering is `rows @ image @ colsᵀ` with banded matrices: the same sums (equal to torchmetrics'
value to float rounding, which the tests hold it to), on BLAS, 5–7× faster on the CPU.
"""

import torch
import torch.nn.functional as F
from torch import Tensor

WINDOW = 11
SIGMA = 1.5
K1, K2 = 0.01, 0.03


def _gaussian(dtype: torch.dtype, device: torch.device) -> Tensor:
    offsets = torch.arange(WINDOW, dtype=dtype, device=device) - (WINDOW - 1) / 2
    weights = torch.exp(-0.5 * (offsets / SIGMA) ** 2)
    return weights / weights.sum()


def _band(padded: int, weights: Tensor) -> Tensor:
    """The (padded − window + 1) × padded matrix whose row i holds the window at columns i…i+10:
    multiplying by it is a 'valid' 1-D filtering of the padded axis."""
    rows = padded - WINDOW + 1
    band = torch.zeros(rows, padded, dtype=weights.dtype, device=weights.device)
    for i in range(WINDOW):
        band.diagonal(i).copy_(weights[i].expand(rows))
    return band


def ssim(preds: Tensor, target: Tensor, data_range: float = 1.0) -> Tensor:
    """Mean SSIM of two (N, C, H, W) batches; H and W must exceed the window's half-width (5)
    for the reflect padding, as in torchmetrics. Computed in at least fp32, outside autocast:
    the variances are differences of window means, which bf16 would cancel to noise."""
    dtype = torch.promote_types(preds.dtype, torch.float32)
    with torch.autocast(preds.device.type, enabled=False):
        return _ssim(preds.to(dtype), target.to(dtype), data_range)


def _ssim(preds: Tensor, target: Tensor, data_range: float) -> Tensor:
    pad = WINDOW // 2
    preds = F.pad(preds, (pad, pad, pad, pad), mode="reflect")
    target = F.pad(target, (pad, pad, pad, pad), mode="reflect")
    weights = _gaussian(preds.dtype, preds.device)
    rows, cols = _band(preds.shape[-2], weights), _band(preds.shape[-1], weights)
    moments = torch.stack((preds, target, preds * preds, target * target, preds * target))
    mean_p, mean_t, sq_p, sq_t, cross = rows @ moments @ cols.T
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    var_p = (sq_p - mean_p * mean_p).clamp(min=0.0)
    var_t = (sq_t - mean_t * mean_t).clamp(min=0.0)
    covariance = cross - mean_p * mean_t
    index = (2 * mean_p * mean_t + c1) * (2 * covariance + c2)
    index = index / ((mean_p * mean_p + mean_t * mean_t + c1) * (var_p + var_t + c2))
    return index.flatten(1).mean(1).mean()
