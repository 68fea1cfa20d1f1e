"""Reconstruction terms: negative log-likelihoods of the data under the decoder's output.

Each returns one value per example, summed over data dimensions, so that VAE terms are in nats
and add up with a KL that is also summed over latent dimensions.
"""

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def bernoulli_nll(logits: Tensor, x: Tensor) -> Tensor:
    """−log p(x | logits) for Bernoulli pixels (binary cross-entropy), per example."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_nll(mean: Tensor, x: Tensor, sigma: float = 1.0) -> Tensor:
    """−log N(x; mean, σ²I) per example: ½‖x−μ‖²/σ² + ½·D·log(2πσ²)."""
    d = x[0].numel()
    sq = (x - mean).pow(2).flatten(1).sum(1)
    return 0.5 * sq / sigma**2 + 0.5 * d * math.log(2 * math.pi * sigma**2)


def squared_error(out: Tensor, x: Tensor) -> Tensor:
    """Sum of squared errors per example (the plain autoencoder's MSE objective)."""
    return (out - x).pow(2).flatten(1).sum(1)


def reconstruction_nll(out: Tensor, x: Tensor, kind: str, sigma: float = 1.0) -> Tensor:
    """Dispatch by the config name of the likelihood: `bernoulli`/`bce`, `gaussian`, `mse`."""
    if kind in ("bernoulli", "bce"):
        return bernoulli_nll(out, x)
    if kind == "gaussian":
        return gaussian_nll(out, x, sigma)
    if kind == "mse":
        return squared_error(out, x)
    raise ValueError(f"unknown reconstruction loss {kind!r}; use bernoulli, bce, gaussian or mse")


def output_to_image(out: Tensor, kind: str) -> Tensor:
    """Decoder output → image in [0, 1]: Bernoulli decoders emit logits, the others means."""
    if kind in ("bernoulli", "bce"):
        return torch.sigmoid(out)
    return out.clamp(0.0, 1.0)
