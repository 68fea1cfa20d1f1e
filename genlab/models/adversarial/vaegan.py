"""VAE-GAN (Larsen et al., 2016, "Autoencoding beyond pixels using a learned similarity metric"):
a VAE whose decoder is a GAN's generator and whose reconstruction error is measured in the
discriminator's learnt features instead of pixels.

Three networks and the paper's per-network losses (its Algorithm 1), with x̃ = Dec(z), z ~ q(z|x)
and x_p = Dec(z_p), z_p ~ N(0, I):

- L_prior = KL(q(z|x) ‖ N(0, I)); L_llike = ½‖Dis_l(x) − Dis_l(x̃)‖² (`feature_nll`: a Gaussian
  observation model on D's last hidden layer, read by `LastLayerInput`);
- the encoder minimises L_prior + L_llike; the decoder γ·L_llike + its adversarial losses on x̃ and
  on x_p, summed as in the paper; D the mean of the objective's loss on x against x̃ and on x
  against x_p (so every objective of the core works, relativistic ones included, and D sees as
  much real as generated where the paper's sum weighs real ½).

One backward pass gives each network its own loss: the likelihood term runs through the decoder
on a copy of z whose gradient is scaled by 1/γ (so the decoder sees γ·L_llike and the encoder
L_llike), and the adversarial term on x̃ through a second decoder pass on z detached (so it never
reaches the encoder). D takes no part in G's step (its parameters are frozen there), so
L_llike never trains D's features, as in the paper.
"""

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.models.adversarial.core import AdversarialModule, DiscriminatorPlay
from genlab.models.adversarial.game import Game
from genlab.models.adversarial.gan import DiscriminatorFactory, GeneratorFactory
from genlab.models.capabilities import Encodes, Reconstructs
from genlab.nn.gradient_reversal import scale_gradient
from genlab.nn.layer_input import LastLayerInput
from genlab.objectives.feature_likelihood import feature_nll
from genlab.objectives.kl import gaussian_kl, reparameterise


class VAEGAN(AdversarialModule, Reconstructs, Encodes):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: GeneratorFactory,
        discriminator: DiscriminatorFactory,
        encoder: DiscriminatorFactory,
        latent_dim: int = 16,
        gamma: float = 1e-2,
        ema_decay: float | None = None,
        **game: Any,
    ) -> None:
        if gamma <= 0:
            raise GenlabError(f"model.gamma={gamma} must be > 0: the decoder's weight on the feature likelihood")
        rules = Game.of(game)
        shape = tuple(int(s) for s in data_shape)
        g = generator(shape, latent_dim)
        d = rules.discriminator(discriminator)(shape, outputs=1)
        super().__init__(name, shape, g, d, latent_dim, rules, ema_decay)
        self.encoder = encoder(shape, outputs=2 * latent_dim)
        self.gamma = gamma
        self.judged = LastLayerInput(self.discriminator, "model.discriminator")

    def generator_parameters(self) -> Iterator[nn.Parameter]:
        return itertools.chain(self.generator.parameters(), self.encoder.parameters())

    def generate(self, codes: Tensor, labels: Tensor | None, net: nn.Module) -> Tensor:
        return net(codes)

    def score(self, x: Tensor) -> Tensor:
        return self.discriminator(self.to_model_space(x))

    # --- the encoder

    def posterior(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(μ, log σ²) of q(z|x) for model-space x."""
        mu, logvar = self.encoder(x).view(len(x), 2 * self.latent_dim).chunk(2, dim=1)
        return mu, logvar

    def encode_mean(self, x: Tensor) -> Tensor:
        return self.posterior(self.to_model_space(x.to(self.device)))[0]

    def reconstruct(self, x: Tensor) -> Tensor:
        return self.decode(self.encode_mean(x))

    # --- the game

    def _codes(self, real: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(z ~ q(z|x), KL per example, z_p ~ N(0, I)) for a batch."""
        mu, logvar = self.posterior(real)
        z = reparameterise(mu, logvar, torch.randn_like(mu))
        return z, gaussian_kl(mu, logvar), torch.randn_like(mu)

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        z, _, z_prior = self.generated(lambda: self._codes(real))
        reconstructed = self.generated(lambda: self.generator(z))
        fake = self.generated(lambda: self.generator(z_prior))
        d_real = self.discriminator(self.noisy(real))
        d_rec = self.discriminator(self.noisy(reconstructed))
        d_fake = self.discriminator(self.noisy(fake))
        target = self.balance.real_target(d_real)
        d_loss = (
            self.objective.discriminator(d_real, d_rec, target) + self.objective.discriminator(d_real, d_fake, target)
        ) / 2
        monitors = {"d_real": d_real.detach().mean(), "d_rec": d_rec.detach().mean(), "d_fake": d_fake.detach().mean()}
        return DiscriminatorPlay({"d_loss": d_loss}, monitors, self.discriminator, fake)

    def _feature_nll(self, real: Tensor, reconstructed: Tensor) -> tuple[Tensor, Tensor]:
        """(L_llike per example, D's outputs on both): real and reconstructed images in one pass of
        D, so that its batch statistics are the same for both."""
        out, features = self.judged(torch.cat([real, reconstructed]))
        real_features, rec_features = features.chunk(2)
        return feature_nll(real_features, rec_features), out

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        z, kl, z_prior = self._codes(real)
        llike, _ = self._feature_nll(real, self.generator(scale_gradient(z, 1 / self.gamma)))
        g_loss = self.adversarial_loss(self.discriminator, real, self.generator(z.detach()))
        g_loss = g_loss + self.adversarial_loss(self.discriminator, real, self.generator(z_prior))
        return {"kl": kl.mean(), "feature_nll": self.gamma * llike.mean(), "g_loss": g_loss}

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        """The ELBO side: KL and the feature likelihood (unweighted) of held-out images, the pixel
        error of their reconstructions from μ (`val/mse`, PSNR, SSIM, as the VAE logs them), and D's
        mean outputs on real images, reconstructions and samples."""
        z, kl, z_prior = self._codes(real)
        llike, out = self._feature_nll(real, self.generator(z))
        d_real, d_rec = out.chunk(2)
        self.log_reconstruction("val", batch[0], self.reconstruct(batch[0]))
        return {
            "kl": kl.mean(),
            "feature_nll": llike.mean(),
            "d_real": d_real.mean(),
            "d_rec": d_rec.mean(),
            "d_fake": self.discriminator(self.generator(z_prior)).mean(),
        }
