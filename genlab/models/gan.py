"""One adversarial trainer for the GAN family (DESIGN principle 2).

GAN, DCGAN, WGAN, WGAN-GP, LSGAN, SN-GAN and relativistic GANs are this module with a
different objective, discriminator regularisers, networks and schedule, chosen in YAML:

- objective: any of `genlab.objectives.adversarial.OBJECTIVES`;
- regularisers: gradient penalty (WGAN-GP), R1, weight clipping (WGAN), spectral norm (SN-GAN);
- schedule: `n_critic` discriminator steps per generator step; `lr_d` for a separate
  discriminator learning rate (TTUR);
- conditioning (cGAN, Mirza & Osindero): with `num_classes` set, G and D receive the label
  (see `genlab.nn.conditional`); samples come one class per row;
- an exponential moving average of the generator's weights (`ema_decay`, e.g. 0.999), kept
  with torch's `AveragedModel` on the generator alone (never D) and used by `sample()`;
- tricks: one-sided label smoothing (`real_label_range: [0.8, 1.0]` draws each real target
  uniformly from that range) and instance noise (`instance_noise` σ added to D's inputs,
  annealed linearly to 0 over `instance_noise_steps` generator steps; 0 keeps it constant).

Manual optimisation: Lightning's `trainer.global_step` counts *every* optimiser step, so one
batch advances it by 2 when it has a generator step and by 1 otherwise; `trainer.max_steps=N`
therefore means N optimiser steps in total. `train/g_steps` logs generator iterations.
Gradient clipping by the trainer is refused in manual optimisation; this module has none.
"""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.nn.conditional import conditional_discriminator, conditional_generator
from genlab.nn.gan import apply_spectral_norm
from genlab.objectives.adversarial import OBJECTIVES
from genlab.objectives.discriminator_penalties import clip_weights, gradient_penalty, r1_penalty

GeneratorFactory = Callable[[Sequence[int], int], nn.Module]
DiscriminatorFactory = Callable[[Sequence[int]], nn.Module]


class GAN(GenerativeModule):
    ddp_find_unused_parameters = True  # critic steps leave the generator unused

    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: GeneratorFactory,
        discriminator: DiscriminatorFactory,
        latent_dim: int = 64,
        objective: str = "non_saturating",
        n_critic: int = 1,
        gradient_penalty: float = 0.0,
        r1: float = 0.0,
        clip: float | None = None,
        spectral_norm: bool = False,
        real_label_range: Sequence[float] | None = None,
        instance_noise: float = 0.0,
        instance_noise_steps: int = 0,
        lr_d: float | None = None,
        ema_decay: float | None = None,
        conditional: bool = False,
        num_classes: int | None = None,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        if objective not in OBJECTIVES:
            raise GenlabError(f"model.objective={objective!r} is unknown; choose one of {', '.join(OBJECTIVES)}")
        if n_critic < 1:
            raise GenlabError(f"model.n_critic={n_critic} must be at least 1 (discriminator steps per generator step)")
        if real_label_range is not None and not 0 <= real_label_range[0] <= real_label_range[1] <= 1:
            raise GenlabError(f"model.real_label_range={list(real_label_range)} must be [low, high] within [0, 1]")
        self.automatic_optimization = False
        self.latent_dim = latent_dim
        self.objective = OBJECTIVES[objective]
        self.n_critic = n_critic
        self.gp_weight = gradient_penalty
        self.r1_weight = r1
        self.clip = clip
        self.real_label_range = tuple(real_label_range) if real_label_range is not None else None
        self.instance_noise = instance_noise
        self.instance_noise_steps = instance_noise_steps
        self.lr_d = lr_d
        if conditional and num_classes is None:
            raise GenlabError(
                f"model '{name}' is conditional but the dataset declares no num_classes; use a labelled dataset "
                "(digits, mnist, fashion_mnist, cifar10)"
            )
        self.num_classes = num_classes if conditional else None
        if self.num_classes is None:
            self.generator = generator(self.data_shape, latent_dim)
            self.discriminator = discriminator(self.data_shape)
        else:
            self.generator = conditional_generator(generator, self.data_shape, latent_dim, self.num_classes)
            self.discriminator = conditional_discriminator(discriminator, self.data_shape, self.num_classes)
        if spectral_norm:
            apply_spectral_norm(self.discriminator)
        self.generator_ema = None
        if ema_decay is not None:
            if not 0 < ema_decay < 1:
                raise GenlabError(f"model.ema_decay={ema_decay} must be in (0, 1), e.g. 0.999, or null for no EMA")
            ema = get_ema_multi_avg_fn(ema_decay)
            self.generator_ema = AveragedModel(self.generator, multi_avg_fn=ema, use_buffers=True).requires_grad_(False)
        self.g_steps = 0

    @property
    def images(self) -> bool:
        return len(self.data_shape) == 3

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        d_kwargs = {"lr": self.lr_d} if self.lr_d is not None else {}
        return [
            self.optimizer_factory(self.generator.parameters()),
            self.optimizer_factory(self.discriminator.parameters(), **d_kwargs),
        ]

    def _g(self, z: Tensor, y: Tensor | None, net: nn.Module | None = None) -> Tensor:
        net = net if net is not None else self.generator
        return net(z) if self.num_classes is None else net(z, y)

    def _d(self, x: Tensor, y: Tensor | None) -> Tensor:
        return self.discriminator(x) if self.num_classes is None else self.discriminator(x, y)

    def class_labels(self, n: int) -> Tensor:
        """Labels for a grid with one class per row: n // num_classes columns."""
        per_row = max(1, n // self.num_classes)
        return torch.arange(self.num_classes).repeat_interleave(per_row)[:n]

    def to_model_space(self, x: Tensor) -> Tensor:
        """Images in [0, 1] → [−1, 1], the range of the Tanh generator; points unchanged."""
        return x * 2 - 1 if self.images else x

    def generate(self, n: int, y: Tensor | None) -> Tensor:
        return self._g(torch.randn(n, self.latent_dim, device=self.device), y)

    def decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Data-space outputs for codes z (and labels y, default one class per row), from the
        averaged generator when there is one."""
        if self.num_classes is not None and y is None:
            y = self.class_labels(len(z))
            z = z[: len(y)]
        net = self.generator_ema if self.generator_ema is not None else self.generator
        out = self._g(z.to(self.device), None if y is None else y.to(self.device), net)
        return ((out + 1) / 2).clamp(0, 1) if self.images else out

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.decode(torch.randn(n, self.latent_dim, generator=generator))

    def grid_nrow(self, n: int) -> int | None:
        """Images per row that put one class per row (None: the caller's default)."""
        return None if self.num_classes is None else max(1, n // self.num_classes)

    def _noisy(self, x: Tensor) -> Tensor:
        sigma = self.instance_noise
        if sigma and self.instance_noise_steps:
            sigma *= max(0.0, 1.0 - self.g_steps / self.instance_noise_steps)
        return x + sigma * torch.randn_like(x) if sigma else x

    def _real_target(self, d_real: Tensor) -> Tensor | float:
        if self.real_label_range is None:
            return 1.0
        low, high = self.real_label_range
        return torch.empty_like(d_real).uniform_(low, high)

    def _discriminator_step(self, real: Tensor, y: Tensor | None, optimizer) -> dict[str, Tensor]:
        with self.toggled_optimizer(optimizer):
            fake = self.generate(real.shape[0], y).detach()
            d_real, d_fake = self._d(self._noisy(real), y), self._d(self._noisy(fake), y)
            terms = {"d_loss": self.objective.discriminator(d_real, d_fake, self._real_target(d_real))}
            critic = lambda x: self._d(x, y)  # noqa: E731 — D at these labels, for input gradients
            if self.gp_weight:
                terms["gradient_penalty"] = self.gp_weight * gradient_penalty(critic, real, fake)
            if self.r1_weight:
                terms["r1"] = 0.5 * self.r1_weight * r1_penalty(critic, real)
            optimizer.zero_grad()
            self.manual_backward(sum(terms.values()))
            optimizer.step()
        if self.clip is not None:
            clip_weights(self.discriminator, self.clip)
        return {**terms, "d_real": d_real.detach().mean(), "d_fake": d_fake.detach().mean()}

    def _generator_step(self, real: Tensor, y: Tensor | None, optimizer) -> dict[str, Tensor]:
        with self.toggled_optimizer(optimizer):
            d_fake = self._d(self._noisy(self.generate(real.shape[0], y)), y)
            d_real = None
            if self.objective.needs_real_for_generator:
                with torch.no_grad():
                    d_real = self._d(self._noisy(real), y)
            g_loss = self.objective.generator(d_real, d_fake)
            optimizer.zero_grad()
            self.manual_backward(g_loss)
            optimizer.step()
        if self.generator_ema is not None:
            self.generator_ema.update_parameters(self.generator)
        self.g_steps += 1
        return {"g_loss": g_loss.detach()}

    def training_step(self, batch: list[Tensor], batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        real = self.to_model_space(batch[0])
        y = batch[1] if self.num_classes is not None else None
        terms = self._discriminator_step(real, y, opt_d)
        if (batch_idx + 1) % self.n_critic == 0:
            terms.update(self._generator_step(real, y, opt_g))
        terms["g_steps"] = torch.tensor(float(self.g_steps))
        self.log_terms("train", terms)

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        """D's mean output on held-out real data vs fresh samples: a gap that widens while the
        training gap does not is the discriminator overfitting."""
        real = self.to_model_space(batch[0])
        y = batch[1] if self.num_classes is not None else None
        fake = self.generate(real.shape[0], y)
        self.log_terms("val", {"d_real": self._d(real, y).mean(), "d_fake": self._d(fake, y).mean()})

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["g_steps"] = self.g_steps

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.g_steps = int(checkpoint.get("g_steps", 0))
