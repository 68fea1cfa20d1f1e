"""What `genlab eval` and the metric callback share: the evaluation protocol (one object, from one
config group), the reference images' features (cached on disk), features of generated images, and
the protocol card that goes with every score."""

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Subset
from tqdm import tqdm

from genlab.metrics.extractors import Extractor, build_extractor, check_input_shape
from genlab.metrics.feature_cache import cached_features
from genlab.metrics.protocol import ProtocolCard
from genlab.metrics.scores import Scores, ScoreSettings, check_sample_counts, fit_kid_subsets
from genlab.models.capabilities import Samples

_NOT_DATA = {"batch_size", "num_workers", "prepare_data_per_node", "allow_zero_length_dataloader_with_multiple_devices"}


@dataclass(frozen=True)
class FeatureSpace:
    """Which features a score is computed in: a genlab classifier's (`domain`) or Inception's."""

    extractor: str
    classifier: str | None
    resize: str
    inception_weights: str | None
    inception_verify: bool


@dataclass(frozen=True)
class EvaluationProtocol:
    """What a score is computed from and how: the feature space, the reference images, the sample
    counts and the statistics' settings. `genlab eval` and the training callback build it from the
    same config group (`configs/protocol/default.yaml`, which holds every default: these fields have
    none), so a fix to the protocol has one place to go. `spelled` is how the command at hand names
    the keys (`callbacks.metrics.` while training), so errors name the option the user types."""

    features: FeatureSpace
    statistics: ScoreSettings
    n: int
    n_real: int | None
    split: str
    batch_size: int
    seed: int
    cache_dir: str
    spelled: str = ""

    @classmethod
    def own_keys(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name not in ("features", "statistics", "spelled")]

    @classmethod
    def field_names(cls) -> list[str]:
        """The protocol's keys as a config spells them: flat, the parts' fields beside its own."""
        return [*(f.name for f in fields(FeatureSpace)), *(f.name for f in fields(ScoreSettings)), *cls.own_keys()]

    @classmethod
    def from_config(cls, config: Mapping[str, Any], spelled: str = "") -> "EvaluationProtocol":
        """The protocol's keys of a config that holds others too (genlab eval's, the callback's)."""

        def part(kind: type) -> dict[str, Any]:
            return {f.name: config[f.name] for f in fields(kind)}

        own = {key: config[key] for key in cls.own_keys()}
        return cls(FeatureSpace(**part(FeatureSpace)), ScoreSettings(**part(ScoreSettings)), **own, spelled=spelled)

    def build_extractor(self, dataset: str, shape, trust: bool) -> Extractor:
        """The feature space, checked against the images it will read (`shape`)."""
        space = self.features
        extractor = build_extractor(
            space.extractor,
            dataset,
            space.classifier,
            space.resize,
            space.inception_weights,
            trust,
            space.inception_verify,
            spelled=self.spelled,
        )
        check_input_shape(extractor, shape)
        return extractor

    def settle(self, names: list[str], available: int, n_fake: int, extractor: Extractor) -> tuple[int, ScoreSettings]:
        """The real-image count (`n_real`, or `n`, capped at the `available` images) and the score
        settings with KID's subset size fitted to the counts; counts that make a score meaningless
        are refused here, before any sampling."""
        n_real = min(self.n_real or self.n, available)
        settings = fit_kid_subsets(self.statistics, names, n_real, n_fake, spelled=self.spelled)
        check_sample_counts(names, n_real, n_fake, extractor.num_features, settings, spelled=self.spelled)
        return n_real, settings

    def real_features(self, datamodule, count: int, extractor: Extractor, device, side: int = 0) -> tuple[Tensor, bool]:
        return reference_features(
            datamodule, self.split, count, extractor, self.batch_size, device, self.cache_dir, side
        )


def dataset_identity(datamodule) -> dict:
    """The datamodule's settings that decide which images a split holds (name, root, size, seed,
    split fraction, …); loader settings are left out, so they do not invalidate caches."""
    simple = (str, int, float, bool, type(None), list, tuple)
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in sorted(vars(datamodule).items())
        if not key.startswith("_") and key not in _NOT_DATA and isinstance(value, simple)
    }


def split_of(datamodule, split: str) -> Dataset:
    return datamodule.train_set if split == "train" else datamodule.val_set


@torch.no_grad()
def extract(
    dataset: Dataset, indices: range, extractor: Extractor, batch_size: int, device: torch.device, side: int = 0
) -> Tensor:
    """Features of the images at position `side` of the items (0: the data; translation
    datasets hold the source at 1)."""
    loader = DataLoader(Subset(dataset, indices), batch_size=batch_size, shuffle=False)
    return torch.cat([extractor.features(batch[side].to(device)).double().cpu() for batch in loader])


def reference_features(
    datamodule,
    split: str,
    count: int,
    extractor: Extractor,
    batch_size: int,
    device: torch.device,
    cache_dir: str,
    side: int = 0,
) -> tuple[Tensor, bool]:
    """Features of the first `count` images of the split (at item position `side`), from the
    cache when it has them."""
    fields = {
        "dataset": dataset_identity(datamodule),
        "split": split,
        "extractor": extractor.name,
        "weights_sha256": extractor.weights_sha256,
        "resize": extractor.resize,
        "count": count,
        **({"side": side} if side else {}),  # the data side keeps the keys of caches written before sides
    }
    dataset = split_of(datamodule, split)
    return cached_features(
        cache_dir, fields, lambda: extract(dataset, range(count), extractor, batch_size, device, side)
    )


@torch.no_grad()
def score_samples(
    sample: Callable[[int, torch.Generator], Tensor],
    scores: Scores,
    extractor: Extractor,
    n: int,
    batch_size: int,
    generator: torch.Generator,
    progress: str | None = None,
) -> Tensor:
    """Feed `n` generated images to the scores; returns their features (for diversity checks).

    `progress` names a bar on stderr with the images done, the rate and the time left: a
    command-line score of 10,000 diffusion samples can take hours on a CPU, and the estimate after
    the first batch is what tells a user to pass a smaller `n` or a faster sampler."""
    done, features = 0, []
    with progress_bar(n, progress) as bar:
        while done < n:
            images = sample(min(batch_size, n - done), generator)
            batch, logits = extractor.encode(images)  # stays on the device of the model and the scores
            scores.update_fake(batch, logits)
            features.append(batch)
            done += len(images)
            bar.update(len(images))
    return torch.cat(features)


def progress_bar(total: int, description: str | None) -> tqdm:
    """Images done of `total`, their rate and the estimated time left; silent without a description
    (the training-time metric callback, whose progress is Lightning's)."""
    return tqdm(
        total=total, desc=description, unit="image", file=sys.stderr, disable=description is None, mininterval=1.0
    )


def protocol_card(
    extractor: Extractor, reference: str, shape, n_real: int, n_fake: int, model: Samples | None, seed: int
):
    """`model` None: the caller names the generator (`dataclasses.replace(card, generator=…)`)."""
    return ProtocolCard(
        extractor=extractor.name,
        weights_sha256=extractor.weights_sha256,
        feature_dim=extractor.num_features,
        resize=extractor.resize,
        reference=reference,
        image_shape=[int(s) for s in shape],
        n_real=n_real,
        n_fake=n_fake,
        generator=model.sampling_network() if model is not None else "",
        seed=seed,
    )
