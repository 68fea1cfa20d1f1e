"""The standard adversarial game: G maps [z, condition] to data, D judges data (with its
condition, where the strategy gives D one) through the chosen objective.

GAN, DCGAN, WGAN, WGAN-GP, LSGAN, SN-GAN, relativistic GANs, cGAN, ACGAN and InfoGAN are this
module with other networks (`model/generator`, `model/discriminator`), objective, regularisers
(`model/regulariser`), balance (`model/balance`) and conditioning (`model/conditioning`), chosen
in YAML.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from genlab.models.adversarial.conditioning import NOTHING, Condition, Conditioning
from genlab.models.adversarial.core import AdversarialModule, DiscriminatorPlay
from genlab.models.adversarial.game import Game

GeneratorFactory = Callable[[Sequence[int], int], nn.Module]
DiscriminatorFactory = Callable[..., nn.Module]  # (data_shape, outputs=k) -> module


@dataclass(frozen=True)
class Heads:
    """D's outputs split by meaning: the adversarial one and the strategy's heads (or None)."""

    adversarial: Tensor
    extra: Tensor | None


class GAN(AdversarialModule):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: GeneratorFactory,
        discriminator: DiscriminatorFactory,
        latent_dim: int = 64,
        conditioning: Conditioning | None = None,
        ema_decay: float | None = None,
        **game: Any,
    ) -> None:
        conditioning = conditioning or Conditioning()
        rules = Game.of(game)
        discriminator = rules.discriminator(discriminator)
        shape = tuple(int(s) for s in data_shape)
        g = generator(shape, latent_dim + conditioning.generator_width)
        heads = 1 + conditioning.heads
        d = conditioning.discriminator(discriminator, shape, outputs=heads)
        super().__init__(name, shape, g, d, latent_dim, rules, ema_decay)
        self.conditioning = conditioning
        self.categories = conditioning.categories

    def generate(self, codes: Tensor, labels: Tensor | None, net: nn.Module) -> Tensor:
        return self._fake(codes, self.conditioning.for_categories(labels, len(codes), self.device), net)

    def score(self, x: Tensor) -> Tensor | None:
        if self.conditioning.discriminator_width:  # D needs labels beside x: no single surface
            return None
        return self._d(self.to_model_space(x), NOTHING).adversarial

    # --- the two networks with their conditions

    def _draw(self, real: Tensor, batch: list[Tensor]) -> tuple[Condition, Condition, Tensor]:
        """(real data's condition, generated data's condition, noise) for one batch."""
        observed = self.conditioning.observe(batch)
        condition = self.conditioning.draw(real.shape[0], observed, self.device)
        return observed, condition, torch.randn(real.shape[0], self.latent_dim, device=self.device)

    def _fake(self, z: Tensor, condition: Condition, net: nn.Module | None = None) -> Tensor:
        extra = self.conditioning.generator_input(condition)
        inputs = z if extra is None else torch.cat([z, extra.to(z.dtype)], dim=1)
        return (net if net is not None else self.generator)(inputs)

    def _d(self, x: Tensor, condition: Condition) -> Heads:
        code = self.conditioning.discriminator_input(condition)
        out = self.discriminator(x) if code is None else self.discriminator(x, code)
        return Heads(out, None) if out.dim() == 1 else Heads(out[:, 0], out[:, 1:])

    # --- the game

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        observed, condition, z = self._draw(real, batch)
        fake = self.generated(lambda: self._fake(z, condition))
        d_real = self._d(self.noisy(real), observed)
        d_fake = self._d(self.noisy(fake), condition)
        d_loss = self.objective.discriminator(
            d_real.adversarial, d_fake.adversarial, self.balance.real_target(d_real.adversarial)
        )
        losses = {"d_loss": d_loss, **self.conditioning.losses("", d_fake.extra, condition, d_real.extra, observed)}
        monitors = {"d_real": d_real.adversarial.detach().mean(), "d_fake": d_fake.adversarial.detach().mean()}
        return DiscriminatorPlay(losses, monitors, lambda x: self._d(x, observed).adversarial, fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        observed, condition, z = self._draw(real, batch)
        d_fake = self._d(self.noisy(self._fake(z, condition)), condition)
        d_real = None
        if self.objective.needs_real_for_generator:
            with torch.no_grad():
                d_real = self._d(self.noisy(real), observed).adversarial
        g_loss = self.objective.generator(d_real, d_fake.adversarial)
        return {"g_loss": g_loss, **self.conditioning.losses("g_", d_fake.extra, condition, None, NOTHING)}

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        """D's mean output on held-out real data vs fresh samples (a gap that widens while the
        training gap does not is D overfitting), plus what the conditioning achieves (ACGAN's
        classifier accuracy on real data, InfoGAN's recovery of its first categorical code)."""
        observed, condition, z = self._draw(real, batch)
        d_real = self._d(real, observed)
        d_fake = self._d(self._fake(z, condition), condition)
        return {
            "d_real": d_real.adversarial.mean(),
            "d_fake": d_fake.adversarial.mean(),
            **self.conditioning.validation_terms(d_real.extra, d_fake.extra, observed, condition),
        }
