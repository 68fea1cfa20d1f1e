"""Sparsity penalties on an autoencoder's hidden code."""

import torch
from torch import Tensor


def l1_activity(code: Tensor) -> Tensor:
    """Mean over the batch of Σ_j |h_j|: pushes most units of each code to exactly zero."""
    return code.abs().flatten(1).sum(1).mean()


def kl_sparsity(code: Tensor, rho: float, eps: float = 1e-6) -> Tensor:
    """Σ_j KL(ρ ‖ ρ̂_j) with ρ̂_j the batch-mean activation of unit j (codes in (0, 1)).

    KL(ρ‖ρ̂) = ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂)); it is zero only when every unit fires on
    average with probability ρ, which is what makes the code sparse *across examples*.
    """
    rho_hat = code.flatten(1).mean(0).clamp(eps, 1 - eps)
    rho_t = torch.full_like(rho_hat, rho)
    return (rho_t * (rho_t / rho_hat).log() + (1 - rho_t) * ((1 - rho_t) / (1 - rho_hat)).log()).sum()
