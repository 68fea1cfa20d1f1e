"""BiGAN / ALI (Donahue et al.; Dumoulin et al.): a third network, the encoder E, maps data to
codes, and D judges pairs: (x, E(x)) is "real", (G(z), z) is "generated". G and E are trained
together on D's own loss with the labels swapped, so at the optimum E inverts G.

Exposes what an encoder allows: `encode_mean` (traversals, separability) and `reconstruct`
G(E(x)), whose error `val/mse` shows what E kept.
"""

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from genlab.models.adversarial.core import AdversarialModule, DiscriminatorPlay
from genlab.models.adversarial.game import Game
from genlab.models.adversarial.gan import DiscriminatorFactory, GeneratorFactory
from genlab.models.capabilities import Encodes, Reconstructs
from genlab.nn.conditional import code_conditioned_discriminator


class BiGAN(AdversarialModule, Reconstructs, Encodes):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: GeneratorFactory,
        discriminator: DiscriminatorFactory,
        encoder: DiscriminatorFactory,
        latent_dim: int = 50,
        ema_decay: float | None = None,
        **game: Any,
    ) -> None:
        rules = Game.of(game)
        rules.refuse_input_gradient_penalties("BiGAN's D judges (x, z) pairs")
        shape = tuple(int(s) for s in data_shape)
        g = generator(shape, latent_dim)
        d = code_conditioned_discriminator(rules.discriminator(discriminator), shape, latent_dim, outputs=1)
        super().__init__(name, shape, g, d, latent_dim, rules, ema_decay)
        self.encoder = encoder(shape, outputs=latent_dim)

    def generator_parameters(self) -> Iterator[nn.Parameter]:
        return itertools.chain(self.generator.parameters(), self.encoder.parameters())

    def generate(self, codes: Tensor, labels: Tensor | None, net: nn.Module) -> Tensor:
        return net(codes)

    def score(self, x: Tensor) -> None:
        """D needs a code beside x, so there is no surface over x alone."""
        return None

    def _encode(self, x: Tensor) -> Tensor:
        return self.encoder(x).view(len(x), self.latent_dim)

    def encode_mean(self, x: Tensor) -> Tensor:
        return self._encode(self.to_model_space(x.to(self.device)))

    def reconstruct(self, x: Tensor) -> Tensor:
        return self.decode(self.encode_mean(x))

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        z = torch.randn(real.shape[0], self.latent_dim, device=self.device)
        fake = self.generated(lambda: self.generator(z))
        code = self.generated(lambda: self._encode(real))
        d_real = self.discriminator(self.noisy(real), code)
        d_fake = self.discriminator(self.noisy(fake), z)
        d_loss = self.objective.discriminator(d_real, d_fake, self.balance.real_target(d_real))
        monitors = {"d_real": d_real.detach().mean(), "d_fake": d_fake.detach().mean()}
        return DiscriminatorPlay({"d_loss": d_loss}, monitors, lambda x: self.discriminator(x, code), fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        z = torch.randn(real.shape[0], self.latent_dim, device=self.device)
        d_fake = self.discriminator(self.noisy(self.generator(z)), z)
        d_real = self.discriminator(self.noisy(real), self._encode(real))
        return {"g_loss": self.objective.discriminator(d_fake, d_real)}  # D's loss, labels swapped

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        z = torch.randn(real.shape[0], self.latent_dim, device=self.device)
        d_real = self.discriminator(real, self._encode(real))
        d_fake = self.discriminator(self.generator(z), z)
        self.log_reconstruction("val", batch[0], self.reconstruct(batch[0]))
        return {"d_real": d_real.mean(), "d_fake": d_fake.mean()}
