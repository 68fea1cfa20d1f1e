"""Translation datasets: what they all share (`TranslationData`), and the embedded ones, made
from the scikit-learn digits by a `Domain` transform (`genlab/data/domains.py`), so that
`genlab train model=pix2pix` runs offline (the user's folders: `translation_folders.py`).

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

from genlab.data.base import GenlabDataModule, TensorDataModule
from genlab.data.digits import digit_images
from genlab.data.domains import Domain
from genlab.data.jitter import jitter
from genlab.errors import GenlabError


class TranslationData(GenlabDataModule):
    """What every translation dataset shares: the source images checked against the declared
    `source_shape` (as the base checks targets), and augmentation that keeps pairs aligned —
    `hflip` and `load_size` (pix2pix's jitter: enlarge to `load_size`, crop back at random,
    `genlab/data/jitter.py`) with one draw for both sides of a pair, independent draws for
    unpaired domains (`paired = False`)."""

    paired = True

    def __init__(
        self,
        source_shape: Sequence[int],
        image_size: int = 32,
        load_size: int | None = None,
        target_domain: str | None = None,
        source_domain: str | None = None,
        **kwargs,
    ) -> None:
        """`target_domain`/`source_domain`: the dataset whose images each side holds, where one
        exists (the embedded digits' "digits"), so that a classifier trained on it may score
        translations into that side (`genlab eval`); default: this dataset's own name."""
        super().__init__(**kwargs)
        self.domains = (target_domain or self.name, source_domain or self.name)
        self.source_shape = tuple(int(s) for s in source_shape)
        self.image_size = image_size
        if load_size is not None and load_size < image_size:
            raise GenlabError(
                f"dataset.load_size={load_size} is smaller than dataset.image_size={image_size}: images are enlarged "
                "to load_size and cropped back at random; use a load_size ≥ image_size (pix2pix: 286 for 256) or null"
            )
        if load_size is not None and self.source_shape[1:] != tuple(self.shape[1:]):
            raise GenlabError(
                f"dataset.load_size={load_size} crops sources and targets alike, but they differ in size "
                f"({list(self.source_shape)} and {list(self.shape)}); set dataset.load_size=null"
            )
        self.load_size = load_size

    def setup(self, stage: str | None = None) -> None:
        super().setup(stage)
        source = self.train_set[0][1]
        if tuple(source.shape) != self.source_shape:
            raise GenlabError(
                f"dataset '{self.name}' yields {list(source.shape)} source images but declares source_shape "
                f"{list(self.source_shape)}; fix dataset.source_shape"
            )

    def on_after_batch_transfer(self, batch: list[Tensor], dataloader_idx: int) -> list[Tensor]:
        if self.trainer is None or not self.trainer.training or not (self.hflip or self.load_size):
            return batch
        target, source = jitter([batch[0], batch[1]], self.load_size, self.hflip, shared=self.paired)
        return [target, source, *batch[2:]]


class DomainData(TranslationData, TensorDataModule):
    """The embedded domains: tensors in memory (`load_tensors` → (targets, sources))."""


class PairedDigits(DomainData):
    def __init__(self, source: Domain, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source = source

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        digits, _ = digit_images(self.image_size)
        return digits, self.source(digits)


class UnpairedDigits(DomainData):
    paired = False

    def __init__(self, target: Domain, **kwargs) -> None:
        super().__init__(**kwargs)
        self.target = target

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        digits, _ = digit_images(self.image_size)
        order = torch.randperm(len(digits), generator=torch.Generator().manual_seed(self.seed))
        half = len(digits) // 2
        sources, targets = digits[order[:half]], self.target(digits[order[half : 2 * half]])
        return targets, sources
