"""KL divergence of a diagonal Gaussian posterior from the standard normal prior."""

from torch import Tensor


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − log σ² − 1), one value per example."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0).sum(dim=1)


def reparameterise(mu: Tensor, logvar: Tensor, noise: Tensor) -> Tensor:
    """z = μ + σ·ε: the sample stays differentiable in (μ, log σ²) because ε is drawn outside."""
    return mu + (0.5 * logvar).exp() * noise
