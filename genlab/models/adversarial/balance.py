"""How the two players are kept in step: the tricks that act on the schedule, D's inputs and
D's targets rather than on the loss's form.

- `n_critic` discriminator steps per generator step (WGAN: 5);
- `lr_d`, a separate discriminator learning rate (TTUR, Heusel et al.);
- instance noise: N(0, σ²) added to every input D sees, annealed linearly to 0 over
  `instance_noise_steps` generator steps (0: constant), so early on the two distributions overlap;
- one-sided label smoothing: each real target drawn uniformly from `real_label_range`, e.g.
  [0.8, 1.0] (Salimans et al.), for the cross-entropy objectives.
"""

from collections.abc import Sequence

import torch
from torch import Tensor

from genlab.errors import GenlabError


class Balance:
    def __init__(
        self,
        n_critic: int = 1,
        lr_d: float | None = None,
        instance_noise: float = 0.0,
        instance_noise_steps: int = 0,
        real_label_range: Sequence[float] | None = None,
    ) -> None:
        if n_critic < 1:
            raise GenlabError(
                f"model.balance.n_critic={n_critic} must be at least 1 (discriminator steps per generator step)"
            )
        if real_label_range is not None and not 0 <= real_label_range[0] <= real_label_range[1] <= 1:
            raise GenlabError(
                f"model.balance.real_label_range={list(real_label_range)} must be [low, high] within [0, 1]"
            )
        if instance_noise < 0 or instance_noise_steps < 0:
            raise GenlabError(
                f"model.balance.instance_noise={instance_noise}, instance_noise_steps={instance_noise_steps}: "
                "both must be ≥ 0"
            )
        self.n_critic = int(n_critic)
        self.lr_d = lr_d
        self.instance_noise = instance_noise
        self.instance_noise_steps = instance_noise_steps
        self.real_label_range = tuple(real_label_range) if real_label_range is not None else None

    def generator_step_due(self, batch_idx: int) -> bool:
        return (batch_idx + 1) % self.n_critic == 0

    def noisy(self, x: Tensor, g_steps: int) -> Tensor:
        """D's input with instance noise at its current strength."""
        sigma = self.instance_noise
        if sigma and self.instance_noise_steps:
            sigma *= max(0.0, 1.0 - g_steps / self.instance_noise_steps)
        return x + sigma * torch.randn_like(x) if sigma else x

    def real_target(self, d_real: Tensor) -> Tensor | float:
        if self.real_label_range is None:
            return 1.0
        low, high = self.real_label_range
        return torch.empty_like(d_real).uniform_(low, high)
