"""The DataModule contract every dataset config instantiates.

A dataset declares its example shape in YAML (`shape`, interpolated into model configs); the
module checks the data it loads against that declaration, so a mismatch is reported before a
single training step instead of as a shape error deep in a network.
"""

import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import lightning as L
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Subset, random_split

from genlab.data.batches import TensorExamples, collate
from genlab.data.sampler import EpochShuffleSampler, ResumingBatchSampler
from genlab.errors import GenlabError

# the loaders themselves keep no state, so Lightning warns on every mid-epoch resume; the
# datamodule's state_dict restores the position instead (see GenlabDataModule.state_dict)
warnings.filterwarnings("ignore", message="You're resuming from a checkpoint that ended before the epoch ended")


def _fmt(shape: Sequence[int]) -> str:
    return "×".join(str(int(s)) for s in shape)


class GenlabDataModule(L.LightningDataModule):
    """Train/val splits, loaders and per-batch augmentation shared by all datasets.

    Subclasses implement `_load()` returning (train, val) datasets whose items are
    `(x, label, …)` with x of the declared `shape` (further items are the dataset's own).
    `channels` is the configured channel count of image datasets (None for point data); image
    folders convert files to it. `num_classes` is
    set when labels are class indices (conditional models and classifiers rely on it).
    `label_names` names the label's columns (one for a class; several for generative factors).
    `classes` / `exclude_classes` keep some classes only (anomaly detection trains on the normal
    ones): both splits are filtered *after* the split is drawn, so a run without the filter has
    the same validation examples plus the left-out classes' (`genlab eval metrics=[anomaly]`).
    """

    label_names: tuple[str, ...] = ("class",)
    binarisations = (None, "static", "dynamic")
    modes: Tensor | None = None  # centres of the components, for data with known modes (toy2d)
    paired = False  # items are aligned (target, source) pairs of one scene (paired translation datasets)

    def __init__(
        self,
        name: str,
        shape: Sequence[int],
        channels: int | None = None,
        num_classes: int | None = None,
        batch_size: int = 64,
        num_workers: int = 0,
        val_fraction: float = 0.1,
        hflip: bool = False,
        binarize: str | None = None,
        seed: int = 0,
        classes: Sequence[int] | None = None,
        exclude_classes: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if binarize not in self.binarisations:
            raise GenlabError(
                f"dataset.binarize={binarize}: use static (pixels > 0.5), dynamic (each pixel ~ Bernoulli(its "
                "intensity), drawn anew for every training batch) or null"
            )
        if batch_size < 1:
            raise GenlabError(f"dataset.batch_size must be a positive integer, got {batch_size}")
        if not 0.0 < val_fraction < 1.0:
            raise GenlabError(f"dataset.val_fraction must be in (0, 1), got {val_fraction}")
        self.name = name
        self.shape = tuple(int(s) for s in shape)
        self.channels = channels
        self.num_classes = num_classes
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.val_fraction = val_fraction
        self.hflip = hflip
        self.binarize = binarize
        self.seed = seed
        self.kept_classes = kept_classes(name, num_classes, classes, exclude_classes)
        self.train_set: Dataset | None = None
        self.val_set: Dataset | None = None
        self.resume_at = (0, 0)  # (epoch, batches already consumed in it) for the next train loader
        self.weigh: Callable[[Dataset], Tensor] | None = None  # see resample_by
        self.epoch_weights: tuple[int, Tensor] | None = None  # (epoch, the probabilities it draws by)

    def _load(self) -> tuple[Dataset, Dataset]:
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is not None:
            return
        self.train_set, self.val_set = self._load()
        if self.kept_classes is not None:
            self.train_set, self.val_set = (
                of_classes(self.train_set, self.kept_classes),
                of_classes(self.val_set, self.kept_classes),
            )
        if self.binarize is not None:
            # validation is binarised once (fixed draws per example) so its NLL is comparable across epochs
            self.val_set = Binarised(self.val_set, self.binarize, self.seed)
            if self.binarize == "static":
                self.train_set = Binarised(self.train_set, "static", self.seed)
        x, label = self.train_set[0][:2]  # items may carry more (biased_faces: a subgroup for evaluation)
        if self.num_classes is not None and (label.dim() != 0 or not 0 <= int(label) < self.num_classes):
            raise GenlabError(
                f"dataset '{self.name}' declares num_classes={self.num_classes} but its labels are not class "
                f"indices in [0, {self.num_classes}); remove dataset.num_classes or fix the labels"
            )
        if tuple(x.shape) != self.shape:
            raise GenlabError(
                f"dataset '{self.name}' yields {_fmt(x.shape)} examples but its config declares "
                f"shape {list(self.shape)}; fix dataset.image_size/dataset.channels"
            )
        if len(self.train_set) < self.batch_size:
            raise GenlabError(
                f"dataset '{self.name}' has {len(self.train_set)} training examples, fewer than "
                f"dataset.batch_size={self.batch_size}; lower the batch size"
            )

    def _loader_generator(self) -> torch.Generator:
        """Each new loader iterator draws a seed for its workers; from the global RNG that would
        make the training noise depend on how often Lightning re-creates iterators (which differs
        between a resumed and an uninterrupted run), so loaders draw from their own generator."""
        return torch.Generator().manual_seed(self.seed)

    def resample_by(self, weigh: Callable[[Dataset], Tensor]) -> None:
        """Draw each epoch's training examples by `weigh(train_set)` (one probability per example,
        computed when the epoch's iteration starts) instead of a permutation: DB-VAE's adaptive
        resampling. The probabilities of the epoch in progress are saved with the checkpoint, so a
        resumed run draws the rest of the epoch as an uninterrupted one; an epoch that starts after
        a resume computes its own from the restored model, as it would have."""
        self.weigh = weigh

    def _weights_of(self, epoch: int) -> Tensor:
        if self.epoch_weights is None or self.epoch_weights[0] != epoch:
            self.epoch_weights = (epoch, self.weigh(self.train_set).detach().double().cpu())
        return self.epoch_weights[1]

    def state_dict(self) -> dict:
        """Where training stands in the data, saved in every checkpoint: the epoch and the number
        of its batches the steps consumed (Lightning's count, not the loader's, which runs ahead by
        the batches it prefetched). A finished epoch is saved as the start of the next. With
        `resample_by`, also the probabilities the epoch in progress draws by."""
        trainer = self.trainer
        if trainer is None or trainer.state.fn != "fit":
            return {}
        consumed = trainer.fit_loop.epoch_loop.batch_progress.current.processed
        weights = {}
        if self.epoch_weights is not None:  # the probabilities the epoch in progress draws by
            weights = {"weights_epoch": self.epoch_weights[0], "weights": self.epoch_weights[1]}
        if consumed >= trainer.num_training_batches:
            return {"epoch": trainer.current_epoch + 1, "batches": 0, **weights}
        return {"epoch": trainer.current_epoch, "batches": consumed, **weights}

    def load_state_dict(self, state: dict) -> None:
        if state:
            self.resume_at = (int(state["epoch"]), int(state["batches"]))
        if "weights" in state:
            self.epoch_weights = (int(state["weights_epoch"]), state["weights"])

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None, "call setup() first"
        (epoch, skip), self.resume_at = self.resume_at, (0, 0)
        weigh = self._weights_of if self.weigh is not None else None
        sampler = EpochShuffleSampler(len(self.train_set), self.seed, epoch, weigh)
        return DataLoader(
            self.train_set,
            batch_sampler=ResumingBatchSampler(sampler, self.batch_size, drop_last=True, skip=skip),
            num_workers=self.num_workers,
            collate_fn=collate,
            generator=self._loader_generator(),
            persistent_workers=self.num_workers > 0,
            pin_memory=torch.cuda.is_available(),  # page-locked batches copy to the GPU without a stall
        )

    def val_dataloader(self) -> DataLoader:
        assert self.val_set is not None, "call setup() first"
        return DataLoader(
            self.val_set,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            collate_fn=collate,
            generator=self._loader_generator(),
            persistent_workers=self.num_workers > 0,
            pin_memory=torch.cuda.is_available(),  # page-locked batches copy to the GPU without a stall
        )

    def on_after_batch_transfer(self, batch: list[Tensor], dataloader_idx: int) -> list[Tensor]:
        """Augment whole batches on the device: no per-example Python work on the hot path. The
        random draws come from the global RNG, which every checkpoint saves: resume stays exact."""
        if self.trainer is None or not self.trainer.training:
            return batch
        x, *rest = batch
        if self.hflip:
            flip = torch.rand(x.shape[0], device=x.device) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        if self.binarize == "dynamic":  # the MNIST likelihood papers' protocol: a new binary image every time
            x = torch.bernoulli(x)
        return [x, *rest]


class KnownDensity(ABC):
    """Data whose density is known in closed form (1-D mixtures): what the optimal discriminator's
    picture needs besides samples."""

    @abstractmethod
    def density(self, x: Tensor) -> Tensor:
        """p_data at each point of x (any shape)."""


class TensorDataModule(GenlabDataModule):
    """Small datasets held in memory as one float tensor in [0, 1] plus labels."""

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def _load(self) -> tuple[Dataset, Dataset]:
        x, y = self.load_tensors()
        full = TensorExamples(x.float().contiguous(), y)
        n_val = max(1, round(len(full) * self.val_fraction))
        generator = torch.Generator().manual_seed(self.seed)
        train, val = random_split(full, [len(full) - n_val, n_val], generator=generator)
        return train, val


class Binarised(Dataset):
    """A dataset's images made binary: `static` thresholds at 0.5; `dynamic` draws each pixel
    from Bernoulli(intensity) once per example, seeded by (seed, index), so the draw is fixed."""

    def __init__(self, dataset: Dataset, mode: str, seed: int) -> None:
        self.dataset, self.mode, self.seed = dataset, mode, seed

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        x, *rest = self.dataset[index]
        if self.mode == "static":
            return (x > 0.5).to(x.dtype), *rest
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + index)
        return torch.bernoulli(x, generator=generator), *rest


def kept_classes(
    name: str, num_classes: int | None, classes: Sequence[int] | None, exclude: Sequence[int] | None
) -> tuple[int, ...] | None:
    """The classes a run keeps (None: all), from `dataset.classes` or `dataset.exclude_classes`."""
    if classes is None and exclude is None:
        return None
    option = "dataset.classes" if classes is not None else "dataset.exclude_classes"
    given = [int(c) for c in (classes if classes is not None else exclude)]
    if num_classes is None:
        raise GenlabError(
            f"{option}={given}: dataset '{name}' has no class labels; use a labelled dataset "
            "(digits, mnist, fashion_mnist, cifar10)"
        )
    if classes is not None and exclude is not None:
        raise GenlabError(f"dataset.classes={given} and dataset.exclude_classes: set one of them, not both")
    wrong = [c for c in given if not 0 <= c < num_classes]
    if wrong or not given:
        raise GenlabError(f"{option}={given}: name classes in [0, {num_classes}), e.g. {option}=[0]")
    kept = tuple(sorted(set(given))) if classes is not None else tuple(c for c in range(num_classes) if c not in given)
    if not kept:
        raise GenlabError(f"{option}={given} leaves no class to train on; exclude fewer")
    return kept


def of_classes(dataset: Dataset, kept: Sequence[int]) -> Subset:
    """The examples of `dataset` whose class label is in `kept`, in their order."""
    labels = torch.as_tensor([int(dataset[i][1]) for i in range(len(dataset))])
    return Subset(dataset, torch.isin(labels, torch.as_tensor(list(kept))).nonzero().flatten().tolist())


def first_examples(dataset: Dataset, n: int) -> Tensor:
    """The inputs of the first `n` examples, stacked (for baselines, plots and grids, not training)."""
    return torch.stack([dataset[i][0] for i in range(min(n, len(dataset)))])


def resize(x: Tensor, size: int) -> Tensor:
    """Resize a batch of images once at load time (antialiased when shrinking)."""
    if x.shape[-1] == size and x.shape[-2] == size:
        return x
    out = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", antialias=True)
    return out.clamp(0.0, 1.0)
