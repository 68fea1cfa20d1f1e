"""A source and a target domain for unsupervised domain adaptation (DANN), composed from any two
dataset configs: `dataset=domain_pair dataset@dataset.source=NAME dataset@dataset.target=NAME`.

Training items are `(source image, source label, target image)`: the target's labels are not in
them, so no model can read them while it learns (a test trains with the target's labels shuffled
and gets bit-identical weights). Each source example is paired with a target example through a
fixed permutation drawn from the seed, and the epoch's shuffle (genlab's resumable sampler) moves
the pairs. Validation has two loaders: the target's held-out split with its labels (loader 0:
what adaptation is for) and the source's (loader 1). Both sides are shown with the target's
channels (grey digits → three equal channels for an RGB target, RGB → grey for a grey one).
"""

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from genlab.data.base import GenlabDataModule
from genlab.data.batches import collate
from genlab.errors import GenlabError


def as_channels(x: Tensor, channels: int) -> Tensor:
    """Images (C, H, W) with `channels` channels: grey repeated, or colour averaged to grey."""
    if x.shape[0] == channels:
        return x
    return x.expand(channels, -1, -1).clone() if x.shape[0] == 1 else x.mean(0, keepdim=True).expand(channels, -1, -1)


class Labelled(Dataset):
    """A side's (image, label) examples, with the pair's channels."""

    def __init__(self, examples: Dataset, channels: int) -> None:
        self.examples, self.channels = examples, channels

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        x, label = self.examples[index][:2]
        return as_channels(x, self.channels), label


class SourceWithTargetImages(Dataset):
    """(source image, source label, target image): as many items as the larger side, each side
    indexed modulo its length, the target through a fixed permutation."""

    def __init__(self, source: Dataset, target: Dataset, channels: int, seed: int) -> None:
        self.source, self.target = Labelled(source, channels), Labelled(target, channels)
        self.target_order = torch.randperm(len(target), generator=torch.Generator().manual_seed(seed)).tolist()

    def __len__(self) -> int:
        return max(len(self.source), len(self.target))

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor, Tensor]:
        x, label = self.source[index % len(self.source)]
        target_image, _ = self.target[self.target_order[index % len(self.target)]]
        return x, label, target_image


class DomainPair(GenlabDataModule):
    def __init__(self, source: GenlabDataModule, target: GenlabDataModule, image_size: int = 32, **kwargs) -> None:
        super().__init__(**kwargs)
        self.image_size = image_size
        for side, data in (("source", source), ("target", target)):
            if len(data.shape) != 3:
                raise GenlabError(
                    f"dataset.{side}={data.name} holds points, not images; domain adaptation pairs image datasets"
                )
        if source.shape[1:] != target.shape[1:]:
            raise GenlabError(
                f"dataset.source={source.name} has {list(source.shape[1:])}-px images but dataset.target={target.name} "
                f"{list(target.shape[1:])}; set dataset.image_size (both sides follow it)"
            )
        if source.num_classes is None or source.num_classes != target.num_classes:
            raise GenlabError(
                f"dataset.source={source.name} and dataset.target={target.name} must share their classes "
                f"(num_classes {source.num_classes} and {target.num_classes}); pair two labelled datasets of one task"
            )
        self.source, self.target = source, target
        self.source_val: Dataset | None = None

    def prepare_data(self) -> None:
        self.source.prepare_data()
        self.target.prepare_data()

    def _load(self) -> tuple[Dataset, Dataset]:
        channels = self.shape[0]
        self.source.setup("fit")
        self.target.setup("fit")
        self.source_val = Labelled(self.source.val_set, channels)
        train = SourceWithTargetImages(self.source.train_set, self.target.train_set, channels, self.seed)
        return train, Labelled(self.target.val_set, channels)

    def val_dataloader(self) -> list[DataLoader]:
        """[the target's held-out split, the source's]."""
        return [super().val_dataloader(), DataLoader(self.source_val, batch_size=self.batch_size, collate_fn=collate)]
