"""`genlab eval ckpt=RUN/last.ckpt metrics=[subgroups]`: a classifier's accuracy per subgroup.

For datasets whose items carry a subgroup label beside the class (`biased_faces`: the tone of each
face), the validation split is classified by the checkpoint (`Classifies`: the plain classifier,
DB-VAE's head) and scored per (class, subgroup) cell; the number that matters is the gap between the
best and the worst subgroup of the positives (class 1), which debiasing should shrink. One JSON per
checkpoint with a protocol card, and a bar chart beside it.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from omegaconf import DictConfig
from torch.utils.data import DataLoader

from genlab.analysis.plotting import pyplot
from genlab.checkpoint import derived_path, rebuild_datamodule
from genlab.data.batches import collate
from genlab.errors import GenlabError
from genlab.metrics.extractors import weights_sha256
from genlab.models.base import require
from genlab.models.capabilities import Classifies

POSITIVE = 1


@dataclass(frozen=True)
class Cell:
    label: int
    subgroup: int
    n: int
    accuracy: float


@torch.no_grad()
def subgroup_cells(model, dataset, batch_size: int, device: torch.device) -> list[Cell]:
    rows = [
        (model.predict(batch[0].to(device)).cpu(), batch[1], batch[2])
        for batch in DataLoader(dataset, batch_size=batch_size, collate_fn=collate)
    ]
    predicted, labels, groups = (torch.cat(column) for column in zip(*rows, strict=True))
    labelled = groups >= 0  # −1: an image the subgroup CSV does not name (dataset=class_folders)
    predicted, labels, groups = predicted[labelled], labels[labelled], groups[labelled]
    cells = []
    for label in labels.unique().tolist():
        for group in groups.unique().tolist():
            inside = (labels == label) & (groups == group)
            if inside.any():
                accuracy = float((predicted[inside] == labels[inside]).float().mean())
                cells.append(Cell(label, group, int(inside.sum()), accuracy))
    return cells


def subgroup_report(model, checkpoint: dict, ckpt: Path, cfg: DictConfig, device: torch.device) -> Path:
    require(model, Classifies, "subgroups (a class to predict)")
    datamodule = rebuild_datamodule(checkpoint)
    if "subgroup" not in datamodule.label_names:
        raise GenlabError(
            f"metrics=[subgroups] needs a dataset whose examples carry a subgroup label, and '{datamodule.name}' "
            "has none; use dataset=biased_faces, or dataset=class_folders with dataset.subgroups=FILE.csv"
        )
    cells = subgroup_cells(model.eval(), datamodule.val_set, cfg.batch_size, device)
    positives = [c.accuracy for c in cells if c.label == POSITIVE]
    if not positives:
        raise GenlabError(
            f"dataset '{datamodule.name}': no validation image of class 1 has a subgroup label; label some in "
            "the dataset.subgroups CSV"
        )
    gap = max(positives) - min(positives)
    report = {
        "checkpoint": str(ckpt),
        "gap": gap,
        "accuracy": sum(c.accuracy * c.n for c in cells) / sum(c.n for c in cells),
        "cells": [asdict(c) for c in cells],
        "protocol": {
            "dataset": datamodule.name,
            "split": "val",
            "gap": "best minus worst accuracy over the subgroups of class 1",
            "label_names": list(datamodule.label_names),
            "model": model.model_name,
            "weights_sha256": weights_sha256(model),
        },
    }
    out = derived_path(ckpt, "metrics", f"subgroups_{ckpt.stem}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    chart = out.with_suffix(".png")
    bar_chart({model.model_name: cells}, chart)
    report["figures"] = [str(chart)]
    out.write_text(json.dumps(report, indent=2))
    for c in cells:
        print(f"class {c.label} subgroup {c.subgroup}: accuracy {c.accuracy:.4f} ({c.n} examples)")
    print(f"gap between the positives' subgroups: {gap:.4f}")
    return out


def bar_chart(models: dict[str, list[Cell]], out: Path) -> None:
    """One group of bars per (class, subgroup) cell, one bar per model."""
    plt = pyplot()

    names = list(models)
    keys = [(c.label, c.subgroup) for c in models[names[0]]]
    fig, ax = plt.subplots(figsize=(1.4 * len(keys) + 1.5, 3.2))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        accuracy = {(c.label, c.subgroup): c.accuracy for c in models[name]}
        ax.bar([k + i * width for k in range(len(keys))], [accuracy.get(key, 0.0) for key in keys], width, label=name)
    ax.set_xticks([k + 0.4 - width / 2 for k in range(len(keys))], [f"class {a}\nsubgroup {b}" for a, b in keys])
    lowest = min(c.accuracy for cells in models.values() for c in cells)
    ax.set(ylabel="accuracy", ylim=(max(0.0, min(0.5, lowest - 0.05)), 1.0))
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
