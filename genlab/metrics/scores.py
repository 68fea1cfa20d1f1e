"""FID, KID and IS on extracted features, through torchmetrics (its statistics, not ours), and
precision/recall for generative models (Kynkäänniemi et al., k=3 nearest neighbours) through
torch-fidelity's implementation.

Features are extracted by `genlab.metrics.extractors` (so that real-data features can be cached)
and handed to torchmetrics' metric classes through an identity "extractor"; torchmetrics keeps
FID's sums and covariances in float64 and synchronises its states across DDP ranks. Sample
counts that make a score meaningless are refused before any work, with the reason.
"""

import sys
import warnings
from dataclasses import dataclass, field, replace

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch_fidelity.metric_prc import prc_features_to_metric
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore
from torchmetrics.image.kid import KernelInceptionDistance
from torchmetrics.utilities.distributed import gather_all_tensors

from genlab.errors import GenlabError
from genlab.metrics.protocol import ProtocolCard, metric_record

# ppl, ppl_w (genlab.metrics.ppl) and separability (genlab.metrics.separability) are not Scores states
PATH_LENGTHS = {"ppl": "z", "ppl_w": "w"}  # metric → the space it walks
PRC = ("precision", "recall")


def _all_ranks(features: Tensor) -> Tensor:
    """Every rank's features (precision/recall need all of them, not sums)."""
    if not (dist.is_available() and dist.is_initialized()):
        return features
    return torch.cat(gather_all_tensors(features))


class _Features(nn.Module):
    """The identity: the inputs already are features."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, x: Tensor) -> Tensor:
        return x


KID_SUBSET = 1000  # KID's usual subset size (Bińkowski et al. 2018)


@dataclass(frozen=True)
class ScoreSettings:
    kid_subset_size: int | None = KID_SUBSET  # None: KID_SUBSET, or all the samples when there are fewer
    kid_subsets: int = 100
    is_splits: int = 10
    allow_few_samples: bool = False  # compute FID/KID even where the counts make them unreliable


def fit_kid_subsets(
    settings: ScoreSettings, names: list[str], n_real: int, n_fake: int, spelled: str = ""
) -> ScoreSettings:
    """Settings whose KID subset size is a number. Left unset, it is KID_SUBSET, or every sample
    when the data has fewer (a test split of 808 images), said in one line; a size the user chose
    is kept, and `check_sample_counts` refuses it if the samples cannot fill it. `spelled`: the
    prefix of the options in the command at hand (`callbacks.metrics.` while training)."""
    if settings.kid_subset_size is not None:
        return settings
    size = min(KID_SUBSET, n_real, n_fake)
    if "kid" in names and size < KID_SUBSET:
        print(
            f"genlab: KID subsets of {size}, every sample there is (real {n_real}, generated {n_fake}; usually "
            f"{KID_SUBSET}); {spelled}kid_subset_size= chooses",
            file=sys.stderr,
        )
    return replace(settings, kid_subset_size=size)


def check_sample_counts(
    names: list[str], n_real: int, n_fake: int, num_features: int, settings: ScoreSettings, spelled: str = ""
) -> None:
    """Refuse FID below the feature dimension (the covariance is singular: FID is then mostly noise
    and can come out negative) and KID with subsets larger than the samples."""
    if settings.allow_few_samples:
        return
    smallest = min(n_real, n_fake)
    if "fid" in names and smallest < num_features:
        raise GenlabError(
            f"FID with {smallest} samples (real {n_real}, generated {n_fake}) in a {num_features}-d feature space: "
            f"the covariance is singular, so FID is unreliable; use {spelled}n ≥ the feature dimension, "
            f"or {spelled}allow_few_samples=true"
        )
    if "kid" in names and smallest < settings.kid_subset_size:
        raise GenlabError(
            f"KID subsets of {settings.kid_subset_size} from {smallest} samples (real {n_real}, generated {n_fake}): "
            f"set {spelled}kid_subset_size ≤ {smallest} or draw more samples"
        )


@dataclass
class Scores:
    """torchmetrics states for the requested metrics, fed with features batch by batch."""

    names: list[str]
    num_features: int
    num_classes: int
    settings: ScoreSettings = field(default_factory=ScoreSettings)

    def __post_init__(self) -> None:
        with warnings.catch_warnings():  # KID/IS keep all features: intended, at genlab's sample counts
            warnings.filterwarnings("ignore", message=".*will save all extracted features in buffer")
            self.metrics = self._build()

    def _build(self) -> dict[str, nn.Module]:
        metrics: dict[str, nn.Module] = {}
        if "fid" in self.names:
            metrics["fid"] = FrechetInceptionDistance(feature=_Features(self.num_features))
        if "kid" in self.names:
            metrics["kid"] = KernelInceptionDistance(
                feature=_Features(self.num_features),
                subset_size=self.settings.kid_subset_size,
                subsets=self.settings.kid_subsets,
            )
        if "is" in self.names:
            metrics["is"] = InceptionScore(feature=_Features(self.num_classes), splits=self.settings.is_splits)
        self.prc_features: dict[str, list[Tensor]] = {"real": [], "fake": []}
        return metrics

    @property
    def wants_prc(self) -> bool:
        return any(name in PRC for name in self.names)

    def update_real(self, features: Tensor) -> None:
        for name in ("fid", "kid"):
            if name in self.metrics:
                self.metrics[name].update(features.double(), real=True)
        if self.wants_prc:
            self.prc_features["real"].append(features.double())

    def update_fake(self, features: Tensor, logits: Tensor) -> None:
        for name in ("fid", "kid"):
            if name in self.metrics:
                self.metrics[name].update(features.double(), real=False)
        if self.wants_prc:
            self.prc_features["fake"].append(features.double())
        if "is" in self.metrics:
            self.metrics["is"].update(logits.double())

    def compute(self) -> dict[str, tuple[float, float | None]]:
        """{name: (value, standard deviation over subsets/splits or None)}."""
        results: dict[str, tuple[float, float | None]] = {}
        for name, metric in self.metrics.items():
            value = metric.compute()
            if isinstance(value, tuple):
                results[name] = (float(value[0]), float(value[1]))
            else:
                results[name] = (float(value), None)
        if self.wants_prc:
            real, fake = (_all_ranks(torch.cat(self.prc_features[k])) for k in ("real", "fake"))
            prc = prc_features_to_metric(fake, real, prc_neighborhood=3, verbose=False)
            results["precision"] = (float(prc["precision"]), None)
            results["recall"] = (float(prc["recall"]), None)
        return results

    def records(self, card: ProtocolCard) -> list[dict]:
        """The scores as records, each with its protocol card and the metric's own settings."""
        settings = {
            "fid": {},
            "kid": {"subset_size": self.settings.kid_subset_size, "subsets": self.settings.kid_subsets},
            "is": {"splits": self.settings.is_splits},
            "precision": {"neighbourhood": 3},
            "recall": {"neighbourhood": 3},
        }
        results = self.compute()
        return [metric_record(name, *results[name], card, **settings[name]) for name in self.names]

    def to(self, device: torch.device) -> "Scores":
        for metric in self.metrics.values():
            metric.to(device)
        return self
