"""Anomaly scores: how unlike its training data a model finds each example (higher: more anomalous),
and how well a score separates held-out outliers from unseen normal examples (AUROC, AUPRC).

Which scores a model offers follows from the capabilities it declares (`genlab.models.capabilities`),
never from probing it: −ELBO where its likelihood is a bound and the exact NLL where it is exact
(`HasLikelihood`), the importance-weighted bound with K draws and An & Cho's reconstruction
probability with L draws (`ImportanceSamples`), and the reconstruction error (`Reconstructs`, so
plain autoencoders compare). PCA's reconstruction error is the baseline every model is shown beside
(`genlab.metrics.pca`). AUROC and average precision (AUPRC) are scikit-learn's, outliers positive:
not torchmetrics', which reads scores outside [0, 1] as logits, squashes them in float32 and was
off by 3.6e-4 on tied scores (tests/test_anomaly.py checks against a pairwise count).
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from torch import Tensor

from genlab.errors import GenlabError
from genlab.models.capabilities import HasLikelihood, ImportanceSamples, Reconstructs


@dataclass(frozen=True)
class Draws:
    """The sample counts of the sampled scores: K for the IWAE bound, L for −ELBO and the
    reconstruction probability (a one-draw −ELBO is noisy enough to lose to PCA where the
    L-draw average does not)."""

    k: int = 16
    samples: int = 16


@dataclass(frozen=True)
class AnomalyScore:
    describe: str  # what the number is, for the report
    offered: Callable[[object], bool]  # by the model's declared capabilities
    needs: str  # what a model lacking it would need, for the refusal
    compute: Callable[[object, Tensor, Draws], Tensor]  # (model, data-space batch, draws) → per example


def _bounded(model: object) -> bool:
    return isinstance(model, HasLikelihood) and not model.likelihood_is_exact


def _exact(model: object) -> bool:
    return isinstance(model, HasLikelihood) and model.likelihood_is_exact


def _squared_error(model, x: Tensor, draws: Draws) -> Tensor:
    return (model.reconstruct(x) - x).pow(2).flatten(1).sum(1)


SCORES: dict[str, AnomalyScore] = {
    "neg_elbo": AnomalyScore(
        "−ELBO in nats, averaged over L draws of z: an upper bound on −log p(x)",
        _bounded,
        "a likelihood bound (a VAE)",
        lambda model, x, draws: torch.stack([model.negative_log_likelihood(x) for _ in range(draws.samples)]).mean(0),
    ),
    "iwae": AnomalyScore(
        "−log of the K-sample importance-weighted bound in nats (Burda et al.)",
        lambda model: isinstance(model, ImportanceSamples),
        "an encoder to importance-sample from (a VAE)",
        lambda model, x, draws: model.iwae_nll(x, draws.k),
    ),
    "recon_prob": AnomalyScore(
        "−E_q[log p(x|z)] over L draws of z (An & Cho's reconstruction probability, negated)",
        lambda model: isinstance(model, ImportanceSamples),
        "an encoder to importance-sample from (a VAE)",
        lambda model, x, draws: -model.reconstruction_probability(x, draws.samples),
    ),
    "nll": AnomalyScore(
        "exact −log p(x) in nats",
        _exact,
        "an exact likelihood (PixelCNN)",
        lambda model, x, draws: model.negative_log_likelihood(x),
    ),
    "recon_error": AnomalyScore(
        "squared reconstruction error, summed over the example",
        lambda model: isinstance(model, Reconstructs),
        "a reconstruction (an autoencoder, a VAE, BiGAN)",
        _squared_error,
    ),
}
BASELINE = "pca"  # PCA's reconstruction error: offered for every model, computed from the training split


def offered_scores(model: object) -> list[str]:
    """The model's scores (by its capabilities), then the baseline."""
    return [name for name, score in SCORES.items() if score.offered(model)] + [BASELINE]


def chosen_scores(model: object, model_name: str, asked: list[str] | None) -> list[str]:
    """`asked` (None: every score the model offers), or one line naming a score it does not offer."""
    offered = offered_scores(model)
    if asked is None:
        return offered
    for name in asked:
        if name != BASELINE and name not in SCORES:
            raise GenlabError(
                f"anomaly.scores={list(asked)}: {name} is unknown; choose from {', '.join([*SCORES, BASELINE])}"
            )
        if name not in offered:
            raise GenlabError(
                f"anomaly.scores={list(asked)}: model '{model_name}' does not offer {name}, which needs "
                f"{SCORES[name].needs}; it offers {', '.join(offered)}"
            )
    if not asked:
        raise GenlabError(f"anomaly.scores=[]: name at least one, e.g. anomaly.scores=[{offered[0]}]")
    return list(dict.fromkeys(asked))


@dataclass(frozen=True)
class Detection:
    """How well one score separates outliers (positives) from normal examples."""

    auroc: float
    auprc: float
    mean_normal: float
    mean_outlier: float


def detection(scores: Tensor, outlier: Tensor) -> Detection:
    scores, target = scores.double(), outlier.bool()
    if target.all() or not target.any():
        raise GenlabError("anomaly detection needs normal and outlier examples in the test split; it holds one kind")
    return Detection(
        auroc=float(roc_auc_score(target.numpy(), scores.numpy())),
        auprc=float(average_precision_score(target.numpy(), scores.numpy())),
        mean_normal=float(scores[~target].mean()),
        mean_outlier=float(scores[target].mean()),
    )


@torch.no_grad()
def score_examples(model, name: str, x: Tensor, draws: Draws, batch_size: int, device: torch.device) -> Tensor:
    """The model's score `name` for every example of `x`, by batches, on the CPU in float64."""
    score = SCORES[name]
    return torch.cat([score.compute(model, batch.to(device), draws).double().cpu() for batch in x.split(batch_size)])
