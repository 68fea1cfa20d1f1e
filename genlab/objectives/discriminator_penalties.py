"""Regularisers of the discriminator/critic: gradient penalty (WGAN-GP), DRAGAN's, R1, weight clipping."""

from collections.abc import Callable

import torch
from torch import Tensor, nn


def _input_gradients(critic: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return grad.flatten(1)


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor, center: float = 1.0) -> Tensor:
    """E[(‖∇D(x̂)‖ − c)²] at x̂ = εx + (1−ε)G(z), ε ~ U(0, 1) per example (Gulrajani et al.).

    The norm is taken per example over all non-batch dimensions.
    """
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    mixed = eps * real.detach() + (1 - eps) * fake.detach()
    return ((_input_gradients(critic, mixed).norm(dim=1) - center) ** 2).mean()


def dragan_penalty(
    critic: Callable[[Tensor], Tensor], real: Tensor, spread: float = 0.5, center: float = 1.0
) -> Tensor:
    """E[(‖∇D(x̃)‖ − c)²] at points x̃ near the real data (Kodali et al., "On Convergence and
    Stability of GANs", DRAGAN): x̃ = x + α·(x_p − x) with x_p = x + `spread`·std(x)·U(0, 1)
    elementwise and α ∼ U(0, 1) per example, as the authors' code perturbs. Unlike WGAN-GP it
    needs no generated data: it keeps D's surface smooth around the real data, where sharp
    gradients pull G's samples into a few modes."""
    real = real.detach()
    perturbed = real + spread * real.std() * torch.rand_like(real)
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    nearby = real + alpha * (perturbed - real)
    return ((_input_gradients(critic, nearby).norm(dim=1) - center) ** 2).mean()


def r1_penalty(critic: Callable[[Tensor], Tensor], real: Tensor) -> Tensor:
    """E[‖∇D(x)‖²] on real data (Mescheder et al.); the ½γ factor is the configured weight."""
    return _input_gradients(critic, real).pow(2).sum(dim=1).mean()


@torch.no_grad()
def clip_weights(module: nn.Module, bound: float) -> None:
    """WGAN's Lipschitz constraint: every parameter clamped into [−c, c] after each critic step."""
    for parameter in module.parameters():
        parameter.clamp_(-bound, bound)
