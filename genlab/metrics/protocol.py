"""The protocol card stored with every score: FID implementations disagree mostly through protocol
(feature space, resizing, reference split, sample counts), so each number carries its own."""

from dataclasses import asdict, dataclass

import torchmetrics


@dataclass(frozen=True)
class ProtocolCard:
    extractor: str  # e.g. inception, digits-classifier
    weights_sha256: str  # of the extractor's weights
    feature_dim: int
    resize: str  # antialias | legacy (inception) | none (domain: images at the classifier's size)
    reference: str  # <dataset>/<split> of the real images
    image_shape: list[int]
    n_real: int
    n_fake: int
    generator: str  # which network drew the samples: the EMA generator or the trained one
    seed: int
    dtype: str = "float64"  # of the feature statistics
    torchmetrics: str = torchmetrics.__version__

    def as_dict(self) -> dict:
        return asdict(self)


def metric_record(
    metric: str, value: float, std: float | None, card: ProtocolCard, qualifier: str = "", **settings
) -> dict:
    """One score as written to JSON/CSV: its name includes the feature space (after a qualifier
    such as PPL's `w` where the metric has variants: `ppl[w,digits-classifier]`)."""
    space = f"{qualifier},{card.extractor}" if qualifier else card.extractor
    return {
        "metric": metric,
        "name": f"{metric}[{space}]",
        "value": value,
        "std": std,
        "settings": settings,
        "protocol": card.as_dict(),
    }
