"""`genlab eval ckpt=RUN/last.ckpt metrics=[purity] classifier=CLF`: does each of a generator's
categories stand for one class an independent classifier sees?

For models that decode by category (`DecodesLatents` with `categories`: cGAN's and ACGAN's classes,
InfoGAN's first categorical code), `purity.per_category` codes z ~ N(0, I) are decoded with each
category (InfoGAN's other codes at their first value and 0, as in its sample grids), and the
classifier (a `genlab train model=classifier` checkpoint of the same data) labels the samples.
Per category: its majority class and *purity*, the share of its samples in that class; over all:
the mean purity (chance ≈ 1/classes for a code that ignores the classes), how many distinct classes
the categories' majorities name, and *agreement*, the share classified as the category's own index
(what matters for cGAN/ACGAN, where category k is asked to be class k; an InfoGAN code may find the
digits in any order). One JSON per checkpoint with a protocol card.
"""

import json
from pathlib import Path

import torch
from omegaconf import DictConfig

from genlab.checkpoint import derived_path
from genlab.errors import GenlabError
from genlab.metrics.extractors import weights_sha256
from genlab.models.base import require
from genlab.models.capabilities import DecodesLatents, Samples
from genlab.models.classifier import read_classifier

TRAIN_IT = "train one with `genlab train model=classifier dataset=...`"


def load_classifier(path: str | None, trust: bool, device: torch.device):
    if not path:
        raise GenlabError(f"metrics=[purity] needs classifier=CKPT, a classifier of the model's data; {TRAIN_IT}")
    return read_classifier(path, "classifier", trust, TRAIN_IT).to(device).eval()


@torch.no_grad()
def category_classes(model, classifier, per_category: int, seed: int, device: torch.device) -> list[torch.Tensor]:
    """For each category, the classifier's class of each of `per_category` decoded samples."""
    generator = torch.Generator().manual_seed(seed)
    classes = []
    for category in range(model.categories):
        codes = torch.randn(per_category, model.latent_dim, generator=generator)
        labels = torch.full((per_category,), category, dtype=torch.long)
        classes.append(classifier.predict(model.decode(codes, labels.to(device)).to(device)).cpu())
    return classes


def category_purity(classes: list[torch.Tensor], categories: int) -> list[dict]:
    """Each category's majority class, purity (its share) and agreement (the share of the
    category's own index), from the classes its samples were given."""
    rows = []
    for category, found in enumerate(classes):
        counts = torch.bincount(found, minlength=categories)
        majority = int(counts.argmax())
        rows.append(
            {
                "category": category,
                "majority_class": majority,
                "purity": float(counts[majority]) / len(found),
                "agreement": float(counts[category]) / len(found),
            }
        )
    return rows


def purity_report(model, checkpoint: dict, ckpt: Path, cfg: DictConfig, device: torch.device) -> Path:
    require(model, DecodesLatents, "purity (samples decoded by category)")
    if model.categories is None:
        raise GenlabError(
            f"model '{model.model_name}' decodes without categories, so metrics=[purity] has nothing to check; "
            "use a conditional model (cgan, acgan) or infogan"
        )
    classifier = load_classifier(cfg.classifier, cfg.trust_config, device)
    model.eval()
    per_category = int(cfg.purity.per_category)
    classes = category_classes(model, classifier, per_category, cfg.seed, device)
    categories = category_purity(classes, model.categories)
    purity = sum(c["purity"] for c in categories) / len(categories)
    report = {
        "checkpoint": str(ckpt),
        "purity": purity,
        "distinct_majorities": len({c["majority_class"] for c in categories}),
        "agreement": sum(c["agreement"] for c in categories) / len(categories),
        "categories": categories,
        "protocol": {
            "classifier": str(cfg.classifier),
            "classifier_sha256": weights_sha256(classifier),
            "per_category": per_category,
            "codes": "z ~ N(0, I); other codes at their first value and 0 (InfoGAN)",
            "seed": cfg.seed,
            "model": model.model_name,
            "weights_sha256": weights_sha256(model),
            "weights": model.sampling_network() if isinstance(model, Samples) else "model",
        },
    }
    out = derived_path(ckpt, "metrics", f"purity_{ckpt.stem}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    for c in categories:
        print(f"category {c['category']}: majority class {c['majority_class']}, purity {c['purity']:.3f}")
    print(
        f"purity {purity:.4f} (majorities name {report['distinct_majorities']} distinct classes), "
        f"agreement {report['agreement']:.4f}"
    )
    return out
