"""The forward process of a DDPM: β₁…β_T, ᾱ_t = ∏ₛ≤ₜ (1 − βₛ), and q(x_t | x₀) = N(√ᾱ_t x₀, (1 − ᾱ_t) I).

The β values come from diffusers' own schedule code (`linear`: Ho et al.'s 1e-4 → 0.02;
`cosine`: Nichol & Dhariwal's squared-cosine ᾱ, diffusers' `squaredcos_cap_v2`), so the
schedule a genlab model trains with is exactly the one a diffusers pipeline exported from it
samples with. Noising goes through diffusers' `add_noise`; genlab's tests check it against the
lecture's closed form and against iterating the chain step by step.
"""

from dataclasses import dataclass
from functools import cached_property

import torch
from diffusers import DDPMScheduler
from torch import Tensor

KINDS = {"linear": "linear", "cosine": "squaredcos_cap_v2"}  # genlab's names → diffusers'


@dataclass(frozen=True)
class NoiseSchedule:
    timesteps: int = 1000
    kind: str = "linear"
    beta_start: float = 1e-4
    beta_end: float = 0.02
    prediction: str = "epsilon"  # what the network predicts: epsilon or v_prediction

    def diffusers_config(self) -> dict:
        """The keyword arguments every diffusers scheduler of this schedule takes."""
        return {
            "num_train_timesteps": self.timesteps,
            "beta_schedule": KINDS[self.kind],
            "beta_start": self.beta_start,
            "beta_end": self.beta_end,
            "prediction_type": self.prediction,
        }

    @cached_property
    def training_scheduler(self) -> DDPMScheduler:
        return DDPMScheduler(**self.diffusers_config(), clip_sample=False)

    @property
    def betas(self) -> Tensor:
        return self.training_scheduler.betas

    @property
    def alphas_cumprod(self) -> Tensor:
        return self.training_scheduler.alphas_cumprod

    def add_noise(self, x0: Tensor, noise: Tensor, t: Tensor) -> Tensor:
        """x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε."""
        return self.training_scheduler.add_noise(x0, noise, t)

    def target(self, x0: Tensor, noise: Tensor, t: Tensor) -> Tensor:
        """What the network learns to output at x_t: ε, or v = √ᾱ_t ε − √(1 − ᾱ_t) x₀."""
        if self.prediction == "epsilon":
            return noise
        return self.training_scheduler.get_velocity(x0, noise, t)

    def sample_timesteps(self, n: int, device: torch.device) -> Tensor:
        return torch.randint(0, self.timesteps, (n,), device=device)
