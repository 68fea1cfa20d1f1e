"""`genlab eval ckpt=RUN/last.ckpt metrics=[anomaly]`: anomaly detection on held-out classes.

The run trained on some classes only (`dataset.exclude_classes=[0]` or `dataset.classes=[…]`).
Its validation split — drawn before the classes were filtered, so none of it was trained on — is
rebuilt with every class: examples of the trained classes are normal, those of the others (or of
`anomaly.outliers`) are outliers. Every score the model offers (`genlab.metrics.anomaly`) and
PCA's reconstruction error (fitted on the run's training split) score each example; the report is
one JSON per checkpoint with a protocol card, ROC curves, score histograms and a grid of the most
and least anomalous test images.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from omegaconf import DictConfig
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from genlab.analysis.anomaly_figures import extremes_grid, histogram_figure, roc_figure
from genlab.checkpoint import derived_path, rebuild_datamodule
from genlab.errors import GenlabError
from genlab.metrics.anomaly import BASELINE, SCORES, Draws, chosen_scores, detection, score_examples
from genlab.metrics.extractors import weights_sha256
from genlab.metrics.pca import pca_reconstruction_errors
from genlab.models.capabilities import Encodes


@dataclass(frozen=True)
class AnomalyCard:
    """What every number of a report was computed from."""

    dataset: str
    split: str
    normal_classes: list[int]
    outlier_classes: list[int]
    n_normal: int
    n_outlier: int
    iwae_k: int
    recon_prob_samples: int
    pca_components: int
    pca_fit: str
    seed: int
    weights_sha256: str


def all_examples(dataset: Dataset, batch_size: int) -> tuple[Tensor, Tensor]:
    pairs = [(batch[0], batch[1]) for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False)]
    return torch.cat([x for x, _ in pairs]), torch.cat([y for _, y in pairs])


def held_out_classes(trained, outliers: list[int] | None) -> tuple[list[int], list[int]]:
    """(normal classes: those the run trained on, outlier classes: `outliers` or all the others)."""
    if trained.kept_classes is None:
        raise GenlabError(
            f"metrics=[anomaly] scores classes the run never saw, but this run trained on every class of "
            f"'{trained.name}'; train one on the normal classes only, e.g. genlab train ... dataset.exclude_classes=[0]"
        )
    normal = list(trained.kept_classes)
    left_out = [c for c in range(trained.num_classes) if c not in normal]
    chosen = left_out if outliers is None else [int(c) for c in outliers]
    wrong = [c for c in chosen if c not in left_out]
    if wrong or not chosen:
        raise GenlabError(
            f"anomaly.outliers={chosen}: outliers must be classes the run left out of training ({left_out}); "
            "drop the option to score all of them"
        )
    return normal, chosen


def anomaly_report(model, checkpoint: dict, ckpt: Path, cfg: DictConfig, device: torch.device) -> Path:
    settings = cfg.anomaly
    names = chosen_scores(model, model.model_name, None if settings.scores is None else list(settings.scores))
    draws = Draws(k=int(settings.k), samples=int(settings.samples))
    if draws.k < 1 or draws.samples < 1:
        raise GenlabError(f"anomaly.k={draws.k}, anomaly.samples={draws.samples}: both must be at least 1")
    trained = rebuild_datamodule(checkpoint)
    normal, outliers = held_out_classes(trained, settings.outliers)
    everything = rebuild_datamodule(checkpoint, classes=None, exclude_classes=None)
    x, labels = all_examples(everything.val_set, cfg.batch_size)
    keep = torch.isin(labels, torch.as_tensor(normal + outliers))
    x, labels = x[keep], labels[keep]
    is_outlier = torch.isin(labels, torch.as_tensor(outliers))
    train_x, _ = all_examples(trained.train_set, cfg.batch_size)
    components = settings.pca_components or (model.latent_dim if isinstance(model, Encodes) else 16)
    scores: dict[str, Tensor] = {}
    for name in names:
        if name == BASELINE:
            scores[name] = torch.as_tensor(pca_reconstruction_errors(train_x.numpy(), x.numpy(), components))
        else:
            torch.manual_seed(cfg.seed)  # the sampled scores draw the same z on every evaluation
            scores[name] = score_examples(model, name, x, draws, cfg.batch_size, device)
    card = AnomalyCard(
        dataset=trained.name,
        split="val",
        normal_classes=normal,
        outlier_classes=outliers,
        n_normal=int((~is_outlier).sum()),
        n_outlier=int(is_outlier.sum()),
        iwae_k=draws.k,
        recon_prob_samples=draws.samples,
        pca_components=int(components),
        pca_fit=f"{trained.name}/train, normal classes ({len(train_x)} examples)",
        seed=int(cfg.seed),
        weights_sha256=weights_sha256(model),
    )
    found = {name: detection(values, is_outlier) for name, values in scores.items()}
    out = derived_path(ckpt, "metrics", f"anomaly_{ckpt.stem}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    figures = write_figures(out, x, scores, is_outlier, found, model.images)
    described = {**{n: s.describe for n, s in SCORES.items()}, BASELINE: "PCA reconstruction error (baseline)"}
    report = {
        "checkpoint": str(ckpt),
        "protocol": asdict(card),
        "scores": {name: {"describe": described[name], **asdict(found[name])} for name in names},
        "figures": [str(f) for f in figures],
    }
    out.write_text(json.dumps(report, indent=2))
    print_report(card, found)
    return out


def write_figures(
    out: Path, x: Tensor, scores: dict[str, Tensor], is_outlier: Tensor, found: dict, images: bool
) -> list[Path]:
    stem = out.with_suffix("")
    roc, hist = Path(f"{stem}_roc.png"), Path(f"{stem}_hist.png")
    roc_figure(scores, is_outlier, {name: d.auroc for name, d in found.items()}, roc)
    histogram_figure(scores, is_outlier, hist)
    if not images:
        return [roc, hist]
    extremes = Path(f"{stem}_extremes.png")
    first = next(iter(scores))  # the model's own first score (the baseline only when asked alone)
    extremes_grid(x, scores[first], min(8, len(x) // 2), extremes)
    return [roc, hist, extremes]


def print_report(card: AnomalyCard, found: dict) -> None:
    print(
        f"anomaly: {card.dataset}/{card.split}, normal {card.normal_classes} ({card.n_normal}), "
        f"outliers {card.outlier_classes} ({card.n_outlier})"
    )
    print(f"{'score':<14} {'AUROC':>7} {'AUPRC':>7}")
    for name, d in found.items():
        print(f"{name:<14} {d.auroc:>7.4f} {d.auprc:>7.4f}")
