"""The one exponential-moving-average mechanism of genlab: a frozen copy of a named sub-module
whose weights follow θ̄ ← d·θ̄ + (1 − d)·θ after each update (torch's `AveragedModel`).

A model keeps the average as a sub-module, so it is in the checkpoint's `state_dict` (resume is
exact and `genlab sample` finds it) and moves with the model between devices. GANs average the
generator only, never D; a diffusion model averages its denoiser. Samples come from the average.
"""

from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from genlab.errors import GenlabError


def moving_average(module: nn.Module, decay: float | None, option: str = "model.ema_decay") -> AveragedModel | None:
    """An averaged, gradient-free copy of `module` (buffers such as batch-norm statistics included),
    or None when `decay` is None."""
    if decay is None:
        return None
    if not 0 < decay < 1:
        raise GenlabError(f"{option}={decay} must be in (0, 1), e.g. 0.999, or null for no moving average")
    average = AveragedModel(module, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)
    return average.requires_grad_(False)
