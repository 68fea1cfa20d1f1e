"""Variational autoencoder (Kingma & Welling, 2014); β-VAE (Higgins et al., 2017) is β ≠ 1."""

import math
from collections.abc import Sequence

import torch
from torch import Tensor
from torch.distributions import Normal

from genlab.models.autoencoder import NetFactory
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import (
    DecodesLatents,
    Encodes,
    HasLikelihood,
    ImportanceSamples,
    Reconstructs,
    Samples,
    bits_per_dim,
)
from genlab.objectives.kl import gaussian_kl, reparameterise
from genlab.objectives.reconstruction import output_to_image, reconstruction_nll


class VAE(GenerativeModule, Samples, DecodesLatents, Reconstructs, Encodes, HasLikelihood, ImportanceSamples):
    """Gaussian encoder q(z|x), standard normal prior, Bernoulli or Gaussian decoder p(x|z).

    Logged per example in nats: `recon` = E_q[−log p(x|z)] (one sample), `kl` = KL(q‖p) in
    closed form, `elbo` = −(recon + kl); the optimised loss is recon + β·kl. `bits_per_dim` is
    −elbo / (D ln 2) over the D data values: comparable between genlab runs, but for [0, 1]
    pixels under a Bernoulli or Gaussian decoder it is not the dequantised discrete likelihood
    that papers' bits/dim figures report.
    """

    likelihood_is_exact = False  # the ELBO bounds log p(x) from below

    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        net: NetFactory,
        latent_dim: int = 16,
        likelihood: str = "bernoulli",
        obs_sigma: float = 0.1,
        beta: float = 1.0,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        self.latent_dim = latent_dim
        self.likelihood = likelihood
        self.obs_sigma = obs_sigma
        self.beta = beta
        self.encoder, self.decoder = net(self.data_shape, 2 * latent_dim, latent_dim)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def encode_mean(self, x: Tensor) -> Tensor:
        return self.encode(x)[0]

    def decode(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return output_to_image(self.decoder(z), self.likelihood)

    def reconstruct(self, x: Tensor) -> Tensor:
        return self.decode(self.encode_mean(x))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.decode(torch.randn(n, self.latent_dim, generator=generator).to(self.device))

    def _per_example(self, x: Tensor, mu: Tensor, logvar: Tensor) -> tuple[Tensor, Tensor]:
        """(reconstruction NLL, KL) per example, given x's posterior, with one reparameterised
        sample of z."""
        z = reparameterise(mu, logvar, torch.randn_like(mu))
        return reconstruction_nll(self.decoder(z), x, self.likelihood, self.obs_sigma), gaussian_kl(mu, logvar)

    def negative_log_likelihood(self, x: Tensor) -> Tensor:
        """−ELBO per example (one sample of z): an upper bound on −log p(x)."""
        recon, kl = self._per_example(x, *self.encode(x))
        return recon + kl

    def _posterior_draws(self, x: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor]:
        """(log p(x|z), log p(z), log q(z|x)) for `k` draws z ∼ q(z|x) of each example, each (k, n)."""
        mu, logvar = self.encode(x)
        std = (0.5 * logvar).exp()
        z = mu + std * torch.randn(k, *mu.shape, device=mu.device, dtype=mu.dtype)
        repeated = x.expand(k, *x.shape).flatten(0, 1)
        log_px = -reconstruction_nll(self.decoder(z.flatten(0, 1)), repeated, self.likelihood, self.obs_sigma)
        log_pz = Normal(0.0, 1.0).log_prob(z).sum(-1)
        log_qz = Normal(mu, std).log_prob(z).sum(-1)
        return log_px.view(k, -1), log_pz, log_qz

    def iwae_nll(self, x: Tensor, k: int) -> Tensor:
        log_px, log_pz, log_qz = self._posterior_draws(x, k)
        return -(torch.logsumexp(log_px + log_pz - log_qz, dim=0) - math.log(k))

    def reconstruction_probability(self, x: Tensor, samples: int) -> Tensor:
        return self._posterior_draws(x, samples)[0].mean(0)

    def _terms(self, x: Tensor, mu: Tensor, logvar: Tensor) -> dict[str, Tensor]:
        recon, kl = (t.mean() for t in self._per_example(x, mu, logvar))
        elbo = -(recon + kl)
        bits = bits_per_dim(-elbo, math.prod(self.data_shape))
        return {"loss": recon + self.beta * kl, "recon": recon, "kl": kl, "elbo": elbo, "bits_per_dim": bits}

    def training_step(self, batch: list[Tensor], batch_idx: int) -> Tensor:
        x = batch[0]
        terms = self._terms(x, *self.encode(x))
        self.log_terms("train", terms)
        return terms["loss"]

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        x = batch[0]
        # one encoding for the bound and the reconstruction: a validation batch cost a training one
        mu, logvar = self.encode(x)
        self.log_terms("val", self._terms(x, mu, logvar))
        self.log_reconstruction("val", x, self.decode(mu))
