"""Mode collapse and its cures on the ring of 8 Gaussians, over seeds (docs/mode_collapse.md).

For each cure and seed it runs `genlab train experiment=mode_collapse <cure> seed=S`, draws 2,500
samples from the final generator and measures the coverage two ways (`genlab/metrics/modes.py`):
the papers' (a sample is high quality within 3σ of a mode, σ = 0.02; a mode is covered with ≥ 20
of them) and genlab's looser one of the training logs (within 0.2). It writes to
docs/figures/mode_collapse/:

- coverage.json: every run's numbers, the means per cure, the commands;
- samples.png: the final samples of every run (rows: cures, columns: seeds) over the data;
- dynamics_<cure>.gif: the first seed's training, G's samples over D's surface.

Usage: python scripts/reproduce_mode_collapse.py [SEEDS] [JOBS]   (5 and 2: about 8 min on 2 cores)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib
import torch

from genlab.checkpoint import read_checkpoint, rebuild_datamodule, rebuild_model
from genlab.data.base import first_examples
from genlab.metrics.modes import mode_coverage

matplotlib.use("Agg")
from matplotlib import pyplot as plt

CURES = {
    "plain": [],
    "unrolled": ["model.unroll_steps=5"],
    "packing": ["model/view=[packing]", "model.views.packing.m=4"],
    "minibatch_std": ["model/view=[minibatch_std]"],
    "dragan": ["model/regulariser=[dragan]"],
    "label_smoothing": ["model.balance.real_label_range=[0.8,1.0]"],
}
FIGURES = Path("docs/figures/mode_collapse")
SAMPLES = 2500


def train(run: Path, cure: str, seed: int) -> list[str]:
    command = ["genlab", "train", "experiment=mode_collapse", *CURES[cure], f"seed={seed}"]
    extra = ["logger=none", "callbacks.dynamics.every_n_epochs=2", f"hydra.run.dir={run}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([*command, *extra], check=True, stdout=subprocess.DEVNULL, env=env)
    return command


def measure(run: Path) -> tuple[dict, torch.Tensor, torch.Tensor]:
    checkpoint = read_checkpoint(run / "checkpoints" / "last.ckpt")
    model, data = rebuild_model(checkpoint), rebuild_datamodule(checkpoint)
    with torch.no_grad():
        fake = model.sample(SAMPLES, generator=torch.Generator().manual_seed(0)).cpu()
    papers = mode_coverage(fake, data.modes, radius=3 * data.mode_std, min_count=20)
    loose = mode_coverage(fake, data.modes, radius=0.2, min_count=20)
    numbers = {
        "modes_3sigma": papers.modes_covered,
        "high_quality_3sigma": papers.high_quality,
        "kl_3sigma": papers.kl,
        "modes_0.2": loose.modes_covered,
        "high_quality_0.2": loose.high_quality,
    }
    return numbers, fake, first_examples(data.val_set, 1000)


def plot(samples: dict[str, list[torch.Tensor]], real: torch.Tensor, numbers: dict, out: Path) -> None:
    seeds = len(next(iter(samples.values())))
    fig, axes = plt.subplots(len(samples), seeds, figsize=(1.8 * seeds, 1.9 * len(samples)), dpi=90)
    for row, (cure, fakes) in enumerate(samples.items()):
        for seed, fake in enumerate(fakes):
            ax = axes[row][seed]
            ax.scatter(real[:, 0], real[:, 1], s=1, c="black")
            ax.scatter(fake[:, 0], fake[:, 1], s=1, c="orange", alpha=0.4)
            ax.set_xlim(-3, 3)
            ax.set_ylim(-3, 3)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{numbers[cure][seed]['modes_0.2']}/8 modes", fontsize=8)
            if seed == 0:
                ax.set_ylabel(cure, fontsize=9)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main(seeds: int, jobs: int) -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    tasks = [(cure, seed) for cure in CURES for seed in range(seeds)]
    with ThreadPoolExecutor(jobs) as pool:
        commands = dict(zip(tasks, pool.map(lambda t: train(root / f"{t[0]}-{t[1]}", *t), tasks), strict=True))
    numbers: dict[str, list[dict]] = {cure: [] for cure in CURES}
    samples: dict[str, list[torch.Tensor]] = {cure: [] for cure in CURES}
    real = torch.empty(0, 2)
    for cure, seed in tasks:
        measured, fake, real = measure(root / f"{cure}-{seed}")
        numbers[cure].append(measured)
        samples[cure].append(fake)
        print(f"{cure} seed {seed}: {measured}", flush=True)
    means = {cure: {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]} for cure, runs in numbers.items()}
    summary = {
        "seeds": seeds,
        "samples": SAMPLES,
        "commands": {cure: " ".join(commands[(cure, 0)][:-1]) + " seed=S" for cure in CURES},
        "means": means,
        "runs": numbers,
    }
    (FIGURES / "coverage.json").write_text(json.dumps(summary, indent=2))
    plot(samples, real, numbers, FIGURES / "samples.png")
    for cure in CURES:
        shutil.copyfile(root / f"{cure}-0" / "images" / "dynamics.gif", FIGURES / f"dynamics_{cure}.gif")
    print(json.dumps(means, indent=2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, int(sys.argv[2]) if len(sys.argv) > 2 else 2)
