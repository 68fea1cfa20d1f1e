"""Choices `genlab sample` and `genlab eval` apply to a rebuilt model before it samples."""

from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule, require
from genlab.models.capabilities import ChoosesSampler, DecodesLatents, Guided


def choose_sampler(
    model: GenerativeModule, sampler: str | None, steps: int | None, guidance: float | None = None
) -> str:
    """Apply `sampler=`/`steps=`/`guidance=` to a model that samples by a reverse process, and
    return the file-name tag of what it will use (`_ddim-50`, `_ddim-50_cfg3`); "" for other
    models. `sampler=` or `guidance=` on a model without that capability is refused; `steps=`
    alone means something else there (interpolation)."""
    if guidance is not None:
        require(model, Guided, f"samples drawn with guidance={guidance:g}")
        model.use_guidance(guidance)
    if not isinstance(model, ChoosesSampler):
        if sampler:
            require(model, ChoosesSampler, f"samples drawn by sampler={sampler}")
        return ""
    if sampler or steps:
        model.use_sampler(sampler, steps)
    guided = model.guidance_description() if isinstance(model, Guided) else ""
    return f"_{model.sampler_description()}" + (f"_{guided}" if guided else "")


def truncation_tag(model: GenerativeModule, psi: float | None) -> str:
    """The file-name tag (`_psi0.5`) of scores of truncated samples, after checking that ψ is in
    (0, 1] and that the model decodes chosen codes; "" without truncation."""
    if psi is None:
        return ""
    check_truncation(psi)
    require(model, DecodesLatents, f"samples drawn with truncation={psi:g}")
    return f"_psi{psi:g}"


def check_truncation(psi: float) -> None:
    """ψ must be in (0, 1]: 1 draws from the prior as it is, 0 would be the mean code alone."""
    if not 0 < psi <= 1:
        raise GenlabError(f"truncation={psi} must be in (0, 1]; 1 means no truncation")
