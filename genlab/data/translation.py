"""Embedded translation datasets, made from the scikit-learn digits by a `Domain` transform
(`genlab/data/domains.py`), so that `genlab train model=pix2pix` runs offline.

Items are `(target, source)`: the image a translator must produce first, the image it starts
from in the label's place — a conditional GAN's (data, condition), where the condition is an
image. `dataset.shape` is the target's shape (what the model generates), `source_shape` the
source's.

- `PairedDigits`: source = domain(digit), target = the digit (edges → digits, low → high
  resolution, masked → complete);
- `UnpairedDigits`: the digits split in two disjoint halves by the seed; source = a digit of the
  first half, target = domain(digit) of the second, paired at random once, so no pair shows the
  mapping (digits ↔ inverted or tinted digits).
"""

from collections.abc import Sequence

import torch
from torch import Tensor

from genlab.data.base import TensorDataModule
from genlab.data.digits import digit_images
from genlab.data.domains import Domain
from genlab.errors import GenlabError


class TranslationData(TensorDataModule):
    """Checks the source images against the declared `source_shape`, as the base checks targets."""

    def __init__(self, source_shape: Sequence[int], image_size: int = 32, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source_shape = tuple(int(s) for s in source_shape)
        self.image_size = image_size

    def setup(self, stage: str | None = None) -> None:
        super().setup(stage)
        source = self.train_set[0][1]
        if tuple(source.shape) != self.source_shape:
            raise GenlabError(
                f"dataset '{self.name}' yields {list(source.shape)} source images but declares source_shape "
                f"{list(self.source_shape)}; fix dataset.source_shape"
            )


class PairedDigits(TranslationData):
    def __init__(self, source: Domain, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        digits, _ = digit_images(self.image_size)
        return digits, self.source(digits)


class UnpairedDigits(TranslationData):
    def __init__(self, target: Domain, **kwargs) -> None:
        super().__init__(**kwargs)
        self.target = target

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        digits, _ = digit_images(self.image_size)
        order = torch.randperm(len(digits), generator=torch.Generator().manual_seed(self.seed))
        half = len(digits) // 2
        sources, targets = digits[order[:half]], self.target(digits[order[half : 2 * half]])
        return targets, sources
