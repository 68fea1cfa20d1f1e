"""How a diffusion model's sampler asks its denoiser: one strategy object per kind, chosen in
YAML (`model/guidance=none|classifier_free`), so the DDPM module holds no branches.

- `Unguided`: unconditional; the network is ε_θ(x_t, t).
- `ClassifierFreeGuidance` (Ho & Salimans, 2022): one network learns both ε_θ(x_t, t, y) and
  the unconditional ε_θ(x_t, t, ∅) — in training each label is replaced by the null label ∅ with
  probability `p_uncond` — and sampling mixes the two: ε̃ = ε_θ(x_t, ∅) + s·(ε_θ(x_t, y) − ε_θ(x_t, ∅)).
  `scale` s is diffusers' `guidance_scale`: s = 1 is the conditional model alone, s = 0 the
  unconditional one, s > 1 trades diversity for class fidelity (the paper writes w = s − 1).
  ∅ is the extra label `num_classes`, so the network has `num_classes + 1` label embeddings.

Both are label parts (`genlab/models/labels.py`) with three sampling-time additions.
"""

import torch
from torch import Tensor, nn

from genlab.diffusion.samplers import Denoiser
from genlab.errors import GenlabError
from genlab.models.labels import ClassLabels, Unlabelled


class Unguided(Unlabelled):
    def guided(self, network: nn.Module, labels: Tensor | None) -> Denoiser:
        """(x_t, t) → the prediction the sampler steps with."""
        return network

    def use_scale(self, scale: float) -> None:
        raise GenlabError(
            f"guidance={scale:g}: this model is unconditional; train with model/guidance=classifier_free "
            "(a labelled dataset) to sample with classifier-free guidance"
        )

    def describe(self) -> str:
        return ""


class ClassifierFreeGuidance(ClassLabels):
    def __init__(self, num_classes: int | None, p_uncond: float = 0.1, scale: float = 3.0) -> None:
        super().__init__(num_classes, option="model/guidance=classifier_free")
        if not 0 <= p_uncond < 1:
            raise GenlabError(
                f"model.guidance.p_uncond={p_uncond} must be in [0, 1): the share of labels dropped to "
                "learn the unconditional model (the paper: 0.1 or 0.2)"
            )
        self.embeddings = self.categories + 1
        self.null_label = self.categories
        self.p_uncond = p_uncond
        self.use_scale(scale)

    def training_labels(self, labels: Tensor) -> Tensor:
        """The labels with a `p_uncond` share replaced by ∅."""
        dropped = torch.rand(labels.shape, device=labels.device) < self.p_uncond
        return labels.masked_fill(dropped, self.null_label)

    def guided(self, network: nn.Module, labels: Tensor | None) -> Denoiser:
        """One network pass per step: the conditional and unconditional halves share a batch
        (s = 1 and s = 0 need only their own half)."""
        null = torch.full_like(labels, self.null_label)
        if self.scale in (0, 1):
            chosen = labels if self.scale == 1 else null
            return lambda x, t: network(x, t, chosen)

        def denoise(x: Tensor, t: Tensor) -> Tensor:
            both = network(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null]))
            conditional, unconditional = both.chunk(2)
            return unconditional + self.scale * (conditional - unconditional)

        return denoise

    def use_scale(self, scale: float) -> None:
        if scale < 0:
            raise GenlabError(f"guidance={scale:g} must be ≥ 0: 0 is unconditional, 1 conditional, > 1 guided")
        self.scale = float(scale)

    def describe(self) -> str:
        return f"cfg{self.scale:g}"
