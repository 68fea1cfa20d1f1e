"""The face swap on its offline pair, `dataset=thick_digits`, where the right swap is known
(docs/faceswap.md). For each seed it trains `genlab train model=MODEL` (faceswap: the Deepfakes
recipe, warped inputs, L1, Adam 5e-5; faceswap_gan: the same networks with a discriminator per
identity) for STEPS optimiser steps (faceswap-GAN takes two a batch) and measures on the held-out A
digits the L1 error of the swap A→B against the same digit thickened, beside doing nothing and
another digit's right answer (`genlab.analysis.swap`). It writes to docs/figures/MODEL/:

- swap.json: every seed's three errors and their means;
- swap.png (the first seed): rows A, A→B, the right answer, B, B→A.

Usage: python scripts/reproduce_faceswap.py [STEPS] [SEEDS] [MODEL]   (600, 3, faceswap: about 12 min on 2 cores)
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from genlab.analysis.swap import swap_errors
from genlab.checkpoint import read_checkpoint, rebuild_datamodule, rebuild_model
from genlab.data.domains import Thickened

RADIUS = 2  # configs/dataset/thick_digits.yaml
SHOWN = 10


def train(run: Path, model: str, steps: int, seed: int) -> Path:
    command = ["genlab", "train", f"model={model}", f"trainer.max_steps={steps}", f"seed={seed}", "logger=none"]
    subprocess.run([*command, f"hydra.run.dir={run}"], check=True, stdout=subprocess.DEVNULL)
    return run / "checkpoints" / "last.ckpt"


def held_out(ckpt: Path) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """The model and the validation split's A and B images."""
    checkpoint = read_checkpoint(ckpt)
    model, data = rebuild_model(checkpoint).eval(), rebuild_datamodule(checkpoint)
    val = data.val_set
    b, a = (torch.stack(side) for side in zip(*(val[i][:2] for i in range(len(val))), strict=True))
    return model, a, b


def picture(model: torch.nn.Module, a: torch.Tensor, b: torch.Tensor, out: Path) -> None:
    a, b = a[:SHOWN], b[:SHOWN]
    with torch.no_grad():
        rows = [a, model.translate(a, "AtoB"), Thickened(RADIUS)(a), b, model.translate(b, "BtoA")]
    save_image(make_grid(torch.cat(rows), nrow=SHOWN, pad_value=1.0), out)


def main(steps: int, seeds: int, family: str) -> None:
    figures = Path("docs/figures") / family
    figures.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    runs = {}
    for seed in range(seeds):
        model, a, b = held_out(train(root / f"seed-{seed}", family, steps, seed))
        runs[seed] = swap_errors(model, a, RADIUS)
        print(f"seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in runs[seed].items()), flush=True)
        if seed == 0:
            picture(model, a, b, figures / "swap.png")
    means = {key: sum(r[key] for r in runs.values()) / seeds for key in runs[0]}
    record = {"model": family, "steps": steps, "means": means, "runs": runs}
    (figures / "swap.json").write_text(json.dumps(record, indent=2))
    print(json.dumps(means, indent=2))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    steps = int(arguments[0]) if arguments else 600
    seeds = int(arguments[1]) if len(arguments) > 1 else 3
    main(steps, seeds, arguments[2] if len(arguments) > 2 else "faceswap")
