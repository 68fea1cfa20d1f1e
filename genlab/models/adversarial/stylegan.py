"""StyleGAN and StyleGAN2 (Karras et al.) as a game on the adversarial core: a style-based
generator (`genlab/nn/synthesis.py`: mapping network, AdaIN or modulated synthesis) against a
discriminator (StyleGAN2's residual one, `genlab/nn/residual_discriminator.py`), with the
papers' training recipe in YAML (`configs/model/stylegan2.yaml`):

- the non-saturating logistic loss, R1 on reals every 16 D steps (`model.regularisers.r1`);
- style-mixing regularisation: with probability `style_mixing`, the fakes of a batch take their
  styles from two codes, switching at a random layer, so no layer relies on its neighbours' style;
- path-length regularisation on G (`PathLength`: every 4 G steps, weight 2, half batch);
- w̄ tracked each G step (truncation's centre), and an EMA of G that every picture comes from.

Lazy regularisation here joins the regular step of the player it regularises (scaled by its
interval) instead of taking an optimiser step of its own, so Adam sees one step per minibatch and
the papers' lr/beta correction c = k/(k + 1), which compensates for the extra steps, is 1.

Pictures and PPL read W through `HasStyleSpace`; `decode` reads z (one w for every layer).
"""

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.models.adversarial.core import AdversarialModule, DiscriminatorPlay
from genlab.models.adversarial.game import Game
from genlab.models.adversarial.gan import DiscriminatorFactory
from genlab.models.capabilities import HasStyleSpace
from genlab.nn.synthesis import StyleGenerator
from genlab.objectives.path_length import PathLength


def mix_styles(w: Tensor, other: Tensor, crossover: Tensor, num_ws: int) -> Tensor:
    """Per-layer styles (n, num_ws, w_dim): `w` for layers below each sample's crossover, `other` from it on."""
    layers = torch.arange(num_ws, device=w.device)[None, :, None]
    return torch.where(layers < crossover[:, None, None], w[:, None], other[:, None])


class StyleGAN(AdversarialModule, HasStyleSpace):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: StyleGenerator,
        discriminator: DiscriminatorFactory,
        latent_dim: int = 512,
        style_mixing: float = 0.9,
        path_length: PathLength | None = None,
        ema_decay: float | None = None,
        **game: Any,
    ) -> None:
        if not 0 <= style_mixing <= 1:
            raise GenlabError(f"model.style_mixing={style_mixing} must be a probability in [0, 1] (the papers: 0.9)")
        shape = tuple(int(s) for s in data_shape)
        rules = Game.of(game)
        d = rules.discriminator(discriminator)(shape, outputs=1)
        super().__init__(name, shape, generator, d, latent_dim, rules, ema_decay)
        self.style_mixing = style_mixing
        self.path_length = path_length
        self.w_dim, self.num_ws = generator.w_dim, generator.num_ws

    # --- W space (HasStyleSpace), from the sampling network with fixed noise

    def _sampling_generator(self) -> StyleGenerator:
        net = self.sampling_generator()
        return net.module if net is not self.generator else net

    def map_codes(self, z: Tensor) -> Tensor:
        return self._sampling_generator().mapping(z.to(self.device))

    def synthesize(self, ws: Tensor) -> Tensor:
        return self.to_data_space(self._sampling_generator().synthesis(ws.to(self.device), "const"))

    def mean_style(self) -> Tensor:
        return self._sampling_generator().w_avg

    def style_weights(self) -> list[tuple[int, Tensor]]:
        return [
            (index, affine.weight * affine.weight_gain)
            for index, affine in self._sampling_generator().synthesis.style_layers()
        ]

    def generate(self, codes: Tensor, labels: Tensor | None, net: nn.Module) -> Tensor:
        return net(codes, "const")

    def decode_truncated(self, codes: Tensor, psi: float, labels: Tensor | None = None) -> Tensor:
        """Truncation in W: w̄ + ψ·(w − w̄) (Karras et al.), not the Z-space pull of other models."""
        w_avg = self.mean_style()
        return self.synthesize(self.broadcast(w_avg.lerp(self.map_codes(codes), psi)))

    def score(self, x: Tensor) -> Tensor:
        return self.discriminator(self.to_model_space(x))

    # --- the game

    def _styles(self, n: int) -> Tensor:
        """Training styles (n, num_ws, w_dim) of G, mixed from two codes with probability `style_mixing`."""
        w = self.generator.mapping(torch.randn(n, self.latent_dim, device=self.device))
        if self.style_mixing == 0:
            return self.generator.broadcast(w)
        other = self.generator.mapping(torch.randn(n, self.latent_dim, device=self.device))
        crossover = torch.randint(1, self.num_ws, (n,), device=self.device)
        mixed = torch.rand(n, device=self.device) < self.style_mixing
        return mix_styles(w, other, torch.where(mixed, crossover, self.num_ws), self.num_ws)

    def _fake(self, ws: Tensor) -> Tensor:
        return self.generator.synthesis(ws, "random")

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        fake = self.generated(lambda: self._fake(self._styles(len(real))))
        d_real, d_fake = self.discriminator(self.noisy(real)), self.discriminator(self.noisy(fake))
        d_loss = self.objective.discriminator(d_real, d_fake, self.balance.real_target(d_real))
        monitors = {"d_real": d_real.detach().mean(), "d_fake": d_fake.detach().mean()}
        return DiscriminatorPlay({"d_loss": d_loss}, monitors, self.discriminator, fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        ws = self._styles(len(real))
        self.generator.track_mean(ws[:, 0])
        d_fake = self.discriminator(self.noisy(self._fake(ws)))
        d_real = None
        if self.objective.needs_real_for_generator:
            with torch.no_grad():
                d_real = self.discriminator(self.noisy(real))
        losses = {"g_loss": self.objective.generator(d_real, d_fake)}
        if self.path_length is not None and self.path_length.due(self.g_steps):
            ws = self._styles(self.path_length.batch(len(real)))
            losses["path_length"] = self.path_length.scale * self.path_length.penalty_of(self._fake(ws), ws)
        return losses

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        """D's mean output on held-out reals vs fresh samples, and the path-length mean a."""
        fake = self._fake(self._styles(len(real)))
        terms = {"d_real": self.discriminator(real).mean(), "d_fake": self.discriminator(fake).mean()}
        if self.path_length is not None:
            terms["path_length_mean"] = self.path_length.mean.clone()
        return terms
