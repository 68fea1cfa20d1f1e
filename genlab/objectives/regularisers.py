"""Discriminator regularisers as objects with a weight and an interval (lazy regularisation).

A regulariser acts on the discriminator steps where `step % every == 0`, and what it adds to
the loss is scaled by `every`, so on average it weighs `weight` × penalty whatever the interval
(Karras et al., StyleGAN2, "lazy regularisation": R1 every 16 minibatches). Unlike StyleGAN2,
the penalty joins D's ordinary step instead of a separate optimiser step, so Adam's learning
rate and betas need no k/(k+1) correction. Three kinds share this one mechanism:

- penalties on D's input gradients, added to D's loss: `GradientPenalty` (WGAN-GP), `Dragan`, `R1`;
- a penalty on D's outputs, added to D's loss: `Drift` (PG-GAN);
- constraints applied after D's optimiser step: `WeightClip` (WGAN);
- reparametrisations applied once when D is built: `SpectralNorm` (SN-GAN).
"""

from collections.abc import Callable

from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.nn.gan import apply_spectral_norm
from genlab.objectives.discriminator_penalties import clip_weights, dragan_penalty, gradient_penalty, r1_penalty

Critic = Callable[[Tensor], Tensor]


class Regulariser:
    """No effect by itself; subclasses override the hooks they need."""

    input_gradients = False  # penalises D's gradient with respect to its input (needs D(x) alone)

    def __init__(self, weight: float = 1.0, every: int = 1) -> None:
        if every < 1 or weight < 0:
            raise GenlabError(
                f"{type(self).__name__}(weight={weight}, every={every}): the weight must be ≥ 0 and the "
                "interval a whole number of steps ≥ 1"
            )
        self.weight = weight
        self.every = int(every)

    def due(self, step: int) -> bool:
        return step % self.every == 0

    @property
    def scale(self) -> float:
        """The factor on a due step's penalty: the weight times the interval."""
        return self.weight * self.every

    def attach(self, discriminator: nn.Module) -> None:
        """Called once, right after the discriminator is built."""

    def penalty(self, critic: Critic, real: Tensor, fake: Tensor) -> Tensor | None:
        """The unweighted penalty on a due step (None: this regulariser adds no loss)."""
        return None

    def after_step(self, discriminator: nn.Module) -> None:
        """Called after each of D's optimiser steps on which the regulariser is due."""


class GradientPenalty(Regulariser):
    """λ·E[(‖∇D(x̂)‖ − 1)²] on random interpolates of real and generated inputs (Gulrajani et al.)."""

    input_gradients = True

    def penalty(self, critic: Critic, real: Tensor, fake: Tensor) -> Tensor:
        return gradient_penalty(critic, real, fake)


class Dragan(Regulariser):
    """λ·E[(‖∇D(x̃)‖ − 1)²] at random points near the real data (Kodali et al., DRAGAN): x̃ moves
    each real input by up to `spread` × the batch's standard deviation (the authors' 0.5)."""

    input_gradients = True

    def __init__(self, weight: float = 10.0, every: int = 1, spread: float = 0.5) -> None:
        if spread <= 0:
            raise GenlabError(f"Dragan(spread={spread}): the perturbation's scale must be positive, e.g. 0.5")
        super().__init__(weight, every)
        self.spread = spread

    def penalty(self, critic: Critic, real: Tensor, fake: Tensor) -> Tensor:
        return dragan_penalty(critic, real, self.spread)


class R1(Regulariser):
    """(γ/2)·E[‖∇D(x)‖²] on real inputs (Mescheder et al.); `weight` is γ."""

    input_gradients = True

    def penalty(self, critic: Critic, real: Tensor, fake: Tensor) -> Tensor:
        return 0.5 * r1_penalty(critic, real)


class Drift(Regulariser):
    """ε·E[D(x)²] on real inputs (Karras et al., 2018: ε = 0.001 beside WGAN-GP): keeps a
    Wasserstein critic's outputs near zero, which nothing else in its loss does."""

    def penalty(self, critic: Critic, real: Tensor, fake: Tensor) -> Tensor:
        return critic(real).square().mean()


class WeightClip(Regulariser):
    """WGAN's Lipschitz constraint: every D parameter clamped into [−bound, bound]."""

    def __init__(self, bound: float, every: int = 1) -> None:
        if bound <= 0:
            raise GenlabError(f"WeightClip(bound={bound}): the clipping bound must be positive, e.g. 0.01")
        super().__init__(weight=1.0, every=every)
        self.bound = bound

    def after_step(self, discriminator: nn.Module) -> None:
        clip_weights(discriminator, self.bound)


class SpectralNorm(Regulariser):
    """Spectral normalisation of every linear and convolutional layer of D (Miyato et al.)."""

    def attach(self, discriminator: nn.Module) -> None:
        apply_spectral_norm(discriminator)
