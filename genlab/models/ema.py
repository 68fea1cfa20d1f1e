"""The one exponential-moving-average mechanism of genlab: a frozen copy of a named sub-module
whose weights follow θ̄ ← d·θ̄ + (1 − d)·θ after each update (torch's `AveragedModel`).

The decay warms up: after n updates it is d_n = min(d, (1 + n)/(10 + n)), as diffusers'
`EMAModel` does. With a fixed d = 0.999 the average remembers its random initialisation for
thousands of steps (the weight left on it after k steps is d^k: 0.78 after 250), so a short run
samples noise from its EMA — the complaint DDPM users file most against reference code. Warmed
up, the average follows the network from the start and reaches the full decay after
(10d − 1)/(1 − d) updates (8990 for 0.999), where the two rules agree.

A model keeps the average as a sub-module, so it is in the checkpoint's `state_dict` (with its
update count: resume is exact and `genlab sample` finds it) and moves with the model between
devices. GANs average the generator only, never D; a diffusion model averages its denoiser.
Samples come from the average.
"""

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from genlab.errors import GenlabError


def warmed_up_decay(decay: float, updates: int) -> float:
    """The decay of the update that follows `updates` earlier ones."""
    return min(decay, (1 + updates) / (10 + updates))


def _warmed_up_update(decay: float):
    @torch.no_grad()
    def update(averaged: list[Tensor], current: list[Tensor], num_averaged: Tensor) -> None:
        get_ema_multi_avg_fn(warmed_up_decay(decay, int(num_averaged)))(averaged, current, num_averaged)

    return update


def moving_average(module: nn.Module, decay: float | None, option: str = "model.ema_decay") -> AveragedModel | None:
    """An averaged, gradient-free copy of `module` (buffers such as batch-norm statistics included),
    or None when `decay` is None."""
    if decay is None:
        return None
    if not 0 < decay < 1:
        raise GenlabError(f"{option}={decay} must be in (0, 1), e.g. 0.999, or null for no moving average")
    average = AveragedModel(module, multi_avg_fn=_warmed_up_update(decay), use_buffers=True)
    return average.requires_grad_(False)
