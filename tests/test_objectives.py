"""The lecture's formulas: KL, likelihoods, sparsity, the contractive penalty, corruptions."""

import math

import pytest
import torch
from torch import nn

from genlab.objectives.contractive import jacobian_frobenius_sq
from genlab.objectives.corruption import GaussianNoise, MaskingNoise
from genlab.objectives.kl import gaussian_kl, reparameterise
from genlab.objectives.reconstruction import bernoulli_nll, gaussian_nll
from genlab.objectives.sparsity import kl_sparsity, l1_activity


def test_closed_form_kl_matches_monte_carlo():
    torch.manual_seed(0)
    mu, logvar = torch.randn(4, 3), torch.randn(4, 3) * 0.5
    z = reparameterise(mu.expand(200_000, 4, 3), logvar.expand(200_000, 4, 3), torch.randn(200_000, 4, 3))
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(0.0, 1.0)
    mc = (q.log_prob(z) - p.log_prob(z)).sum(-1).mean(0)
    torch.testing.assert_close(gaussian_kl(mu, logvar), mc, rtol=0.02, atol=0.02)


def test_kl_is_zero_only_at_the_prior():
    assert gaussian_kl(torch.zeros(2, 5), torch.zeros(2, 5)).abs().max() == 0
    assert (gaussian_kl(torch.full((2, 5), 0.1), torch.zeros(2, 5)) > 0).all()


def test_likelihoods_match_torch_distributions():
    torch.manual_seed(0)
    x = torch.rand(3, 1, 4, 4)
    logits, mean = torch.randn(3, 1, 4, 4), torch.rand(3, 1, 4, 4)
    bern = -torch.distributions.Bernoulli(logits=logits, validate_args=False).log_prob(x).flatten(1).sum(1)
    torch.testing.assert_close(bernoulli_nll(logits, x), bern)
    gauss = -torch.distributions.Normal(mean, 0.3).log_prob(x).flatten(1).sum(1)
    torch.testing.assert_close(gaussian_nll(mean, x, sigma=0.3), gauss)


def test_kl_sparsity_by_hand():
    code = torch.tensor([[0.1, 0.5], [0.3, 0.5]])  # unit means 0.2 and 0.5
    rho = 0.2
    expected = rho * math.log(rho / 0.5) + (1 - rho) * math.log((1 - rho) / 0.5)  # first unit contributes 0
    assert kl_sparsity(code, rho).item() == pytest.approx(expected, rel=1e-5)
    assert l1_activity(torch.tensor([[-1.0, 2.0], [0.0, 3.0]])).item() == pytest.approx(3.0)


def test_batched_contractive_penalty_equals_autograd_jacobian():
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(12, 7), nn.Tanh(), nn.Linear(7, 5), nn.Sigmoid())
    x = torch.randn(6, 3, 2, 2)
    expected = torch.stack(
        [torch.autograd.functional.jacobian(lambda xi: encoder(xi[None])[0], xi).pow(2).sum() for xi in x]
    )
    torch.testing.assert_close(jacobian_frobenius_sq(encoder, x), expected)
    with torch.autograd.detect_anomaly():  # trainer=debug: the unbatched path, the same numbers
        penalty = jacobian_frobenius_sq(encoder, x)
        penalty.mean().backward()
    torch.testing.assert_close(penalty, expected)


def test_contractive_penalty_is_differentiable_in_the_weights():
    encoder = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid())
    jacobian_frobenius_sq(encoder, torch.randn(5, 4)).mean().backward()
    assert encoder[0].weight.grad is not None and encoder[0].weight.grad.abs().sum() > 0


def test_masking_noise_zeroes_the_requested_fraction():
    torch.manual_seed(0)
    x = torch.rand(200, 1, 16, 16) + 0.1
    dropped = (MaskingNoise(0.3)(x) == 0).float().mean().item()
    assert dropped == pytest.approx(0.3, abs=0.01)
    with pytest.raises(ValueError, match="masking fraction"):
        MaskingNoise(1.5)


def test_gaussian_noise_stays_in_data_range():
    x = torch.rand(10, 1, 8, 8)
    y = GaussianNoise(0.5)(x)
    assert y.min() >= 0 and y.max() <= 1 and not torch.equal(x, y)
