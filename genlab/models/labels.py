"""Whether a likelihood or diffusion model is told the class of what it models: one small part
chosen in YAML, so the model modules hold no conditional branches.

- `Unlabelled`: the network sees the data alone; labels in the batch are ignored.
- `ClassLabels`: the network also takes each example's class (an embedding added inside it), so
  it models p(x | y); sample grids show one class per row. `model/labels=classes` (PixelCNN).

Diffusion's classifier-free guidance (`genlab/diffusion/guidance.py`) builds on `ClassLabels`.
"""

import math
from collections.abc import Callable

import torch
from torch import Tensor

from genlab.errors import GenlabError
from genlab.models.capabilities import category_rows


class Unlabelled:
    embeddings: int | None = None  # label embeddings the network needs (None: no label input)
    categories: int | None = None  # classes modelled, one per row of a sample grid

    def training_labels(self, labels: Tensor) -> Tensor | None:
        """What the network is told about a training batch with these labels."""
        return None

    def given_labels(self, labels: Tensor) -> Tensor | None:
        """What the network is told about a validation batch (labels kept as they are)."""
        return None

    def sampling_labels(self, n: int, device: torch.device | str) -> Tensor | None:
        """The labels of `n` samples: one class per row of a grid."""
        return None

    def marginal_nll(self, nll_given: Callable[[Tensor | None], Tensor], n: int, device: torch.device) -> Tensor:
        """−log p(x) per example from `nll_given(labels)` = −log p(x | labels)."""
        return nll_given(None)


class ClassLabels(Unlabelled):
    def __init__(self, num_classes: int | None, option: str = "model/labels=classes") -> None:
        if num_classes is None:
            raise GenlabError(f"{option} needs a labelled dataset (dataset.num_classes), e.g. dataset=digits")
        self.categories = int(num_classes)
        self.embeddings = self.categories

    def training_labels(self, labels: Tensor) -> Tensor:
        return labels

    def given_labels(self, labels: Tensor) -> Tensor:
        return labels

    def sampling_labels(self, n: int, device: torch.device | str) -> Tensor:
        return category_rows(n, self.categories).to(device)

    def marginal_nll(self, nll_given: Callable[[Tensor | None], Tensor], n: int, device: torch.device) -> Tensor:
        """−log p(x) = −log (1/K) Σ_y p(x | y) under a uniform class prior, exact (K passes): the
        number to set beside unconditional models' NLLs."""
        per_class = torch.stack([nll_given(torch.full((n,), y, device=device)) for y in range(self.categories)])
        return math.log(self.categories) - torch.logsumexp(-per_class, dim=0)
