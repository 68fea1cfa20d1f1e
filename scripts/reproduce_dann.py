"""DANN against the source-only baseline at equal steps, over seeds (docs/dann.md). For each seed
it trains `genlab train experiment=dann_digits` and the same with `model.adversary=false` (the same
networks, no target image read) for STEPS steps and scores both on held-out data: target accuracy (the point),
source accuracy, and — for DANN — its discriminator's accuracy at telling the domains apart. It
writes to docs/figures/dann/ (or OUT):

- dann.json: every run's figures and the means;
- features.png (the first seed): t-SNE (scikit-learn) of ψ's features of held-out source and target
  images, source only beside DANN, coloured by class — the lecture's picture.

Usage: python scripts/reproduce_dann.py [STEPS] [SEEDS] [OVERRIDE ...]   (1000 and 5: ~4 min on 2 cores)
Real MNIST → MNIST-M: add `dataset@dataset.source=mnist dataset@dataset.target=mnist_m
dataset.target.photos=DIR paths.data_dir=DIR` (and OUT=docs/figures/dann_mnist to keep both); the
preset's 16 px and μ₀ = 0.2 were measured on the embedded digits, `dataset.image_size=32
optimizer.lr=0.01` are the paper's.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from genlab.analysis.domain_features import feature_panel
from genlab.checkpoint import read_checkpoint, rebuild_datamodule, rebuild_model

SHOWN = 300  # examples of each domain in the picture


def train(run: Path, steps: int, seed: int, adversary: bool, overrides: list[str]) -> Path:
    command = ["genlab", "train", "experiment=dann_digits", f"model.adversary={str(adversary).lower()}", *overrides]
    command += [f"trainer.max_steps={steps}", f"seed={seed}", "logger=none", f"hydra.run.dir={run}"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return run / "checkpoints" / "last.ckpt"


def stacked(dataset: torch.utils.data.Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = zip(*(dataset[i][:2] for i in range(len(dataset))), strict=True)
    return torch.stack(images), torch.stack(labels)


@torch.no_grad()
def score(ckpt: Path) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
    """(accuracies, {source|target: (features, labels) of the held-out splits})."""
    checkpoint = read_checkpoint(ckpt)
    model, data = rebuild_model(checkpoint).eval(), rebuild_datamodule(checkpoint)
    sides = {"target": stacked(data.val_set), "source": stacked(data.source_val)}
    scores, features = {}, {}
    for side, (x, y) in sides.items():
        psi = model.features(x)
        scores[f"{side}_accuracy"] = float((model.classifier(psi).argmax(1) == y).float().mean())
        features[side] = (psi, y)
        if model.adversary:
            said_target = model.discriminator(psi).squeeze(1) > 0
            scores[f"domain_accuracy_{side}"] = float((said_target == (side == "target")).float().mean())
    return scores, features


def picture(features: dict[str, dict], out: Path) -> None:
    figure, axes = plt.subplots(1, len(features), figsize=(5 * len(features), 5))
    for axis, (name, sides) in zip(axes, features.items(), strict=True):
        source, target = ((sides[s][0][:SHOWN], sides[s][1][:SHOWN]) for s in ("source", "target"))
        feature_panel(axis, source, target, name)
    figure.tight_layout()
    figure.savefig(out, dpi=110)


def main(steps: int, seeds: int, overrides: list[str]) -> None:
    figures = Path(os.environ.get("OUT", "docs/figures/dann"))
    figures.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    runs: dict[str, dict[int, dict]] = {"dann": {}, "source_only": {}}
    shown = {}
    for seed in range(seeds):
        for name, adversary in (("dann", True), ("source_only", False)):
            scores, features = score(train(root / f"{name}-{seed}", steps, seed, adversary, overrides))
            runs[name][seed] = scores
            print(f"seed {seed} {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)
            if seed == 0:
                shown[{"dann": "DANN", "source_only": "source only"}[name]] = features
    means = {
        name: {k: sum(r[k] for r in by_seed.values()) / seeds for k in by_seed[0]} for name, by_seed in runs.items()
    }
    summary = {"steps": steps, "seeds": seeds, "overrides": overrides, "means": means, "runs": runs}
    (figures / "dann.json").write_text(json.dumps(summary, indent=2))
    picture({"source only": shown["source only"], "DANN": shown["DANN"]}, figures / "features.png")
    print(json.dumps(means, indent=2))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[0]) if arguments else 1000, int(arguments[1]) if len(arguments) > 1 else 3, arguments[2:])
