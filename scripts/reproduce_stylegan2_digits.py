"""StyleGAN2 on the embedded 32-px digits, end to end as a user runs it on a CPU: training, the
domain FID, PPL in Z and in W, the README's W-space pictures, and SeFa's top direction against
random ones in image space.

    python scripts/reproduce_stylegan2_digits.py --figures docs/figures

1. `genlab train experiment=stylegan2_digits trainer.max_steps=--steps` (and a 2-step run as the
   untrained reference), `genlab train model=classifier` (the 32-px domain feature space);
2. `genlab eval metrics=[fid,ppl,ppl_w]` on `--n` samples of each;
3. `genlab explore what=mixing|truncation|sefa|interpolate`, copied into `--figures`;
4. how far SeFa's top direction moves 16 images (distance 3, all layers) against the most that
   any of 100 random unit directions in W does.

It prints Markdown for the docs. Run it alone: timings are wall clock.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from genlab.analysis.styles import sefa
from genlab.checkpoint import read_checkpoint, rebuild_model

GENLAB = str(Path(sys.executable).parent / "genlab")
PICTURES = {
    "mixing": ["what=mixing", "rows=3", "cols=6"],
    "truncation": ["what=truncation", "rows=4", "psi=[1,0.7,0.5,0.25,0,-0.5,-1]"],
    "sefa": ["what=sefa", "k=3", "rows=3", "truncation=0.7"],
    "interpolate": ["what=interpolate", "rows=4", "steps=8"],
}


def genlab(*args: str) -> str:
    result = subprocess.run([GENLAB, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"genlab {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def train(run_dir: Path, *overrides: str) -> Path:
    genlab("train", *overrides, "logger=csv", f"hydra.run.dir={run_dir}")
    return run_dir / "checkpoints" / "last.ckpt"


def scores(ckpt: Path, classifier: Path, n: int, out: Path, cache: Path) -> dict[str, float]:
    metrics = ["metrics=[fid,ppl,ppl_w]", f"n={n}", "ppl_samples=1000", f"cache_dir={cache}", f"out={out}"]
    genlab("eval", f"ckpt={ckpt}", f"classifier={classifier}", *metrics)
    return {r["name"]: r["value"] for r in json.loads(out.read_text())["records"]}


def sefa_against_random(ckpt: Path, distance: float = 3.0) -> tuple[float, float]:
    model = rebuild_model(read_checkpoint(ckpt))
    torch.manual_seed(0)
    (top,), _ = sefa(model.style_weights(), None, k=1)
    with torch.no_grad():
        ws = model.broadcast(model.map_codes(torch.randn(16, model.latent_dim)))
        base = model.synthesize(ws)

        def change(direction: torch.Tensor) -> float:
            return (model.synthesize(ws + distance * direction) - base).norm().item()

        return change(top), max(change(d / d.norm()) for d in torch.randn(100, model.w_dim))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000, help="optimiser steps (a D and a G step per batch)")
    parser.add_argument("--n", type=int, default=1000, help="generated (and real) images per FID")
    parser.add_argument("--figures", type=Path, default=None, help="copy the pictures here")
    parser.add_argument("--work", type=Path, default=None, help="run directories (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="stylegan2_digits_"))
    start = time.perf_counter()
    ckpt = train(work / "stylegan2", "experiment=stylegan2_digits", f"trainer.max_steps={args.steps}")
    train_s = time.perf_counter() - start
    untrained = train(work / "untrained", "experiment=stylegan2_digits", "trainer.max_steps=2")
    classifier = train(work / "classifier", "model=classifier", "trainer.max_epochs=20")
    trained_scores = scores(ckpt, classifier, args.n, work / "eval_trained.json", work / "cache")
    untrained_scores = scores(untrained, classifier, args.n, work / "eval_untrained.json", work / "cache")
    top, best_random = sefa_against_random(ckpt)
    if args.figures:
        args.figures.mkdir(parents=True, exist_ok=True)
        for kind, options in PICTURES.items():
            out = work / "explore"
            genlab("explore", f"ckpt={ckpt}", *options, f"out={out}")
            for png in out.glob(f"last_{kind}*_seed0.png"):
                if "_dir" not in png.name or "_dir0_" in png.name:
                    shutil.copy(png, args.figures / f"stylegan2_digits_{kind}.png")
    print(f"training: {args.steps} optimiser steps in {train_s:.0f} s (with start-up and sample grids); runs in {work}")
    print("| | " + " | ".join(trained_scores) + " |")
    print("|---" * (len(trained_scores) + 1) + "|")
    for name, values in (("untrained (1 step each)", untrained_scores), (f"{args.steps} steps", trained_scores)):
        print(f"| {name} | " + " | ".join(f"{values[key]:.2f}" for key in trained_scores) + " |")
    print(f"SeFa top direction moves 16 images by {top:.2f}; the best of 100 random directions by {best_random:.2f}")


if __name__ == "__main__":
    main()
