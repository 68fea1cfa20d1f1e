"""Reverse-process samplers over a `NoiseSchedule`: each a diffusers scheduler and a step count.

Sampling is the short loop of diffusers' pipelines — start from x_T ~ N(0, I), ask the network
for its prediction at each of the sampler's timesteps, let the scheduler take the step. Which
scheduler is the only difference between DDPM's ancestral sampling (Ho et al., Algorithm 2; as
many steps as the schedule has), DDIM (Song et al.; deterministic at η = 0, any number of
steps) and DPM-Solver++ (Lu et al.; a second-order multistep solver, good in ~20 steps), so
each is a small class naming its scheduler, chosen in YAML (`model/sampler=ddpm|ddim|dpm`)
or per call (`genlab sample sampler=ddim steps=50`).
"""

from collections.abc import Callable
from typing import Any

import torch
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler
from diffusers.schedulers.scheduling_utils import SchedulerMixin
from torch import Tensor
from tqdm.auto import tqdm

from genlab.diffusion.schedule import NoiseSchedule
from genlab.errors import GenlabError

Denoiser = Callable[[Tensor, Tensor], Tensor]  # (x_t, t) → the network's prediction


class Sampler:
    """`steps`: reverse steps (None: the schedule's T, DDPM's own)."""

    name = "sampler"
    scheduler_class: type[SchedulerMixin] = DDPMScheduler

    def __init__(self, steps: int | None = None) -> None:
        if steps is not None and steps < 1:
            raise GenlabError(f"steps={steps} must be a positive number of sampling steps")
        self.steps = steps

    def options(self) -> dict[str, Any]:
        return {"clip_sample": False}

    def scheduler(self, schedule: NoiseSchedule) -> SchedulerMixin:
        scheduler = self.scheduler_class(**schedule.diffusers_config(), **self.options())
        steps = self.steps or schedule.timesteps
        if steps > schedule.timesteps:
            raise GenlabError(f"steps={steps} exceeds the schedule's {schedule.timesteps} timesteps")
        scheduler.set_timesteps(steps)
        return scheduler

    def step_kwargs(self, generator: torch.Generator | None) -> dict[str, Any]:
        return {"generator": generator}

    @torch.no_grad()
    def sample(
        self,
        denoise: Denoiser,
        schedule: NoiseSchedule,
        shape: tuple[int, ...],
        generator: torch.Generator | None = None,
        device: torch.device | str = "cpu",
        frames: int = 1,
    ) -> Tensor:
        """x₀ drawn by the reverse process, in the network's data scale ([-1, 1] for images).
        With `frames` > 1, the chain x_T → x₀ at `frames` evenly spaced steps instead, stacked as
        (frames, *shape): x_T first, x₀ last — the lecture's denoising picture."""
        scheduler = self.scheduler(schedule)
        x = torch.randn(shape, generator=generator).to(device)
        x = x * scheduler.init_noise_sigma
        keep = {round(i * len(scheduler.timesteps) / (frames - 1)) for i in range(frames)} if frames > 1 else set()
        chain = [x] if 0 in keep else []
        # in a terminal, a transient bar of the steps: the first estimate of a long sample (DDPM's
        # 1000 steps on a CPU) comes after one step, not after the whole batch
        steps = tqdm(scheduler.timesteps, desc=f"{self.describe(schedule)} steps", leave=False, disable=None)
        for index, t in enumerate(steps, start=1):
            timestep = torch.full((shape[0],), int(t), device=device, dtype=torch.long)
            prediction = denoise(scheduler.scale_model_input(x, t), timestep)
            x = scheduler.step(prediction, t, x, **self.step_kwargs(generator)).prev_sample
            if index in keep:
                chain.append(x)
        return torch.stack(chain) if frames > 1 else x

    def describe(self, schedule: NoiseSchedule) -> str:
        return f"{self.name}-{self.steps or schedule.timesteps}"


class AncestralSampler(Sampler):
    """DDPM's Algorithm 2: x_{t−1} = μ_θ(x_t, t) + σ_t z, with σ_t² = β̃_t (the posterior variance)."""

    name = "ddpm"
    scheduler_class = DDPMScheduler


class DDIMSampler(Sampler):
    """DDIM; `eta` = 0 is deterministic, 1 matches DDPM's variance."""

    name = "ddim"
    scheduler_class = DDIMScheduler

    def __init__(self, steps: int | None = 50, eta: float = 0.0) -> None:
        super().__init__(steps)
        self.eta = eta

    def step_kwargs(self, generator: torch.Generator | None) -> dict[str, Any]:
        return {"generator": generator, "eta": self.eta}


class DPMSolverSampler(Sampler):
    """DPM-Solver++ (2nd order, multistep)."""

    name = "dpm"
    scheduler_class = DPMSolverMultistepScheduler

    def __init__(self, steps: int | None = 20) -> None:
        super().__init__(steps)

    def options(self) -> dict[str, Any]:
        return {"algorithm_type": "dpmsolver++", "solver_order": 2}


SAMPLERS: dict[str, type[Sampler]] = {s.name: s for s in (AncestralSampler, DDIMSampler, DPMSolverSampler)}


def build_sampler(name: str, steps: int | None) -> Sampler:
    """A sampler chosen on the command line (`genlab sample sampler=ddim steps=50`)."""
    if name not in SAMPLERS:
        raise GenlabError(f"sampler={name} is not one of {', '.join(SAMPLERS)}")
    return SAMPLERS[name]() if steps is None else SAMPLERS[name](steps=steps)  # None: the sampler's default
