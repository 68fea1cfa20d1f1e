"""DB-VAE against the plain classifier on `dataset=biased_faces`, at equal steps, over seeds
(docs/debiasing.md). For each seed it trains `model=classifier`, `model=dbvae` and `model=dbvae
model.resampling=null` (the same network without resampling) with `genlab train`, scores each with
`genlab eval metrics=[subgroups]`, and writes to docs/figures/debiasing/:

- gaps.json: every run's accuracy per (class, subgroup) and the positives' gap, and the means;
- accuracy.png: the three models' accuracy per cell side by side (the first seed);
- favoured.png: the training faces the first seed's DB-VAE draws most (top row) and least
  (bottom row) often at its last epoch — the lab's figure;
- traversal.png: `genlab explore what=traversal` of that DB-VAE.

Usage: python scripts/reproduce_debiasing.py [EPOCHS] [SEEDS]   (5 and 3: about 3 min on 2 cores)
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from genlab.checkpoint import read_checkpoint, rebuild_datamodule, rebuild_model
from genlab.run.subgroups import Cell, bar_chart

MODELS = {
    "classifier": ["model=classifier", "dataset=biased_faces"],
    "dbvae": ["model=dbvae"],
    "dbvae_flat": ["model=dbvae", "model.resampling=null"],
}
FIGURES = Path("docs/figures/debiasing")


def genlab(*args: str) -> None:
    subprocess.run(["genlab", *args], check=True, stdout=subprocess.DEVNULL)


def favoured(ckpt: Path, out: Path, per_row: int = 10) -> None:
    checkpoint = read_checkpoint(ckpt)
    model, data = rebuild_model(checkpoint), rebuild_datamodule(checkpoint)
    x, y, _ = data.train_set.tensors
    weights = model.sampling_probabilities(data.train_set)
    faces = (y == 1).nonzero().flatten()
    order = faces[torch.argsort(weights[faces], descending=True)]
    save_image(make_grid(x[torch.cat([order[:per_row], order.flip(0)[:per_row]])], nrow=per_row, pad_value=1.0), out)


def main(epochs: int, seeds: int) -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    runs: dict[str, dict[int, dict]] = {name: {} for name in MODELS}
    for seed in range(seeds):
        for name, overrides in MODELS.items():
            run = root / f"{name}-{seed}"
            genlab(
                "train",
                *overrides,
                f"trainer.max_epochs={epochs}",
                f"seed={seed}",
                "logger=none",
                f"hydra.run.dir={run}",
            )
            genlab("eval", f"ckpt={run / 'checkpoints' / 'last.ckpt'}", "metrics=[subgroups]")
            runs[name][seed] = json.loads((run / "metrics" / "subgroups_last.json").read_text())
            print(f"seed {seed} {name}: gap {runs[name][seed]['gap']:.3f}", flush=True)
    means = {name: sum(r["gap"] for r in by_seed.values()) / seeds for name, by_seed in runs.items()}
    summary = {"epochs": epochs, "seeds": seeds, "mean_gap": means, "runs": runs}
    (FIGURES / "gaps.json").write_text(json.dumps(summary, indent=2))
    bar_chart(
        {name: [Cell(**c) for c in by_seed[0]["cells"]] for name, by_seed in runs.items()}, FIGURES / "accuracy.png"
    )
    dbvae = root / "dbvae-0" / "checkpoints" / "last.ckpt"
    favoured(dbvae, FIGURES / "favoured.png")
    genlab("explore", f"ckpt={dbvae}", "what=traversal", "k=8")
    (traversal,) = (root / "dbvae-0" / "explore").glob("*traversal*.png")
    shutil.copyfile(traversal, FIGURES / "traversal.png")
    print(json.dumps(means, indent=2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
