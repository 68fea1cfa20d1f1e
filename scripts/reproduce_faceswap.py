"""The face swap on its offline pair, `dataset=thick_digits`, where the right swap is known
(docs/faceswap.md). For each seed it trains `genlab train model=faceswap` (the Deepfakes recipe:
warped inputs, L1, Adam 5e-5) for STEPS steps and measures on the held-out A digits the L1 error
of the swap A→B against the same digit thickened, beside doing nothing and another digit's right
answer (`genlab.analysis.swap`). It writes to docs/figures/faceswap/:

- swap.json: every seed's three errors and their means;
- swap.png (the first seed): rows A, A→B, the right answer, B, B→A.

Usage: python scripts/reproduce_faceswap.py [STEPS] [SEEDS]   (600 and 3: about 12 min on 2 cores)
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

FIGURES = Path("docs/figures/faceswap")
RADIUS = 2  # configs/dataset/thick_digits.yaml
SHOWN = 10


def train(run: Path, steps: int, seed: int) -> Path:
    command = ["genlab", "train", "model=faceswap", f"trainer.max_steps={steps}", f"seed={seed}", "logger=none"]
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


def main(steps: int, seeds: int) -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    runs = {}
    for seed in range(seeds):
        model, a, b = held_out(train(root / f"seed-{seed}", steps, seed))
        runs[seed] = swap_errors(model, a, RADIUS)
        print(f"seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in runs[seed].items()), flush=True)
        if seed == 0:
            picture(model, a, b, FIGURES / "swap.png")
    means = {key: sum(r[key] for r in runs.values()) / seeds for key in runs[0]}
    (FIGURES / "swap.json").write_text(json.dumps({"steps": steps, "means": means, "runs": runs}, indent=2))
    print(json.dumps(means, indent=2))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
