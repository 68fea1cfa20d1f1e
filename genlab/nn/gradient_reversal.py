"""Layers that are the identity going forward and scale the gradient going back.

The gradient reversal layer of domain-adversarial training (Ganin & Lempitsky, 2015) multiplies
it by −λ: placed between the features and the domain discriminator, one backward pass trains the
discriminator to tell the domains apart and the features to make that impossible (the minimax of
eqs. 28–29 of the course notes without a second optimiser step). A positive factor lets two
networks in one chain take one loss at different weights in one backward pass (VAE-GAN's
encoder takes the feature likelihood at 1, its decoder at γ)."""

import math

import torch
from torch import Tensor


class _Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, factor: float) -> Tensor:
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        return ctx.factor * grad, None


def scale_gradient(x: Tensor, factor: float) -> Tensor:
    """x unchanged; its gradient multiplied by `factor` on the way back."""
    return _Scale.apply(x, factor)


def reverse_gradient(x: Tensor, strength: float) -> Tensor:
    """x unchanged; its gradient multiplied by −`strength` on the way back."""
    return scale_gradient(x, -strength)


def reversal_strength(progress: float, gamma: float = 10.0) -> float:
    """The paper's λ(p) = 2 / (1 + e^(−γp)) − 1 over training progress p ∈ [0, 1] (γ = 10): 0 at
    the start, when the features are still noise and the discriminator's signal would only hurt,
    rising to ~1."""
    return 2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0


def annealed_rate(progress: float, alpha: float = 10.0, beta: float = 0.75) -> float:
    """The paper's learning-rate factor 1 / (1 + α p)^β (μ_p = μ₀ × this; α = 10, β = 0.75)."""
    return (1.0 + alpha * progress) ** -beta
