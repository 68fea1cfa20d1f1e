"""Choices `genlab sample` and `genlab eval` apply to a rebuilt model before it samples."""

from genlab.models.base import ChoosesSampler, GenerativeModule, require


def choose_sampler(model: GenerativeModule, sampler: str | None, steps: int | None) -> str:
    """Apply `sampler=`/`steps=` to a model that samples by a reverse process, and return the
    file-name tag of what it will use (`_ddim-50`); "" for other models. `sampler=` on a model
    without that capability is refused; `steps=` alone means something else there (interpolation)."""
    if not isinstance(model, ChoosesSampler):
        if sampler:
            require(model, ChoosesSampler, f"samples drawn by sampler={sampler}")
        return ""
    if sampler or steps:
        model.use_sampler(sampler, steps)
    return f"_{model.sampler_description()}"
