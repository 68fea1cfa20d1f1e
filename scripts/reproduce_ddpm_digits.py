"""DDPM on the embedded digits, end to end as a user runs it, with the domain FID and the
sampling speed of each sampler, and the README's pictures.

    python scripts/reproduce_ddpm_digits.py --figures docs/figures

1. `genlab train experiment=ddpm_digits` (16-px digits, U-Net [32, 64], 60 epochs) and
   `genlab train model=classifier dataset.image_size=16` (the domain feature space);
2. for DDPM-1000, DDIM-50 and DPM-Solver++-20: `genlab eval metrics=[fid]` on `--n` samples
   (the same seed), run in this process and timed — images/s includes rebuilding the model and
   scoring (the real features are cached by the first call), well under 1 % of it here;
3. `genlab sample` grids (samples, the denoising chain x_T → x₀, the forward noising) copied
   into `--figures`.

It prints a Markdown table for docs/benchmarks.md. Run it alone: timings are wall clock.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hydra import compose, initialize_config_module

from genlab.run import resolvers
from genlab.run.evaluate import evaluate

GENLAB = str(Path(sys.executable).parent / "genlab")
SAMPLERS = (("ddpm", 1000), ("ddim", 50), ("dpm", 20))


def genlab(*args: str, output_root: Path | None = None) -> str:
    env_root = [f"paths.output_root={output_root}"] if output_root else []
    result = subprocess.run([GENLAB, *args, *env_root], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"genlab {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def last_checkpoint(root: Path) -> Path:
    (ckpt,) = root.rglob("checkpoints/last.ckpt")
    return ckpt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--n", type=int, default=500, help="generated (and real) images per FID")
    parser.add_argument("--figures", type=Path, default=None, help="copy the pictures here")
    parser.add_argument("--work", type=Path, default=None, help="run directories (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ddpm_digits_"))
    resolvers.register()
    start = time.perf_counter()
    genlab("train", "experiment=ddpm_digits", f"trainer.max_epochs={args.epochs}", output_root=work / "ddpm")
    train_s = time.perf_counter() - start
    genlab("train", "model=classifier", "dataset.image_size=16", "trainer.max_epochs=20", output_root=work / "clf")
    ckpt, classifier = last_checkpoint(work / "ddpm"), last_checkpoint(work / "clf")
    rows = []
    for name, steps in SAMPLERS:
        out = work / f"eval_{name}.json"
        common = [f"ckpt={ckpt}", f"classifier={classifier}", "metrics=[fid]", f"n={args.n}", f"out={out}"]
        with initialize_config_module("genlab.configs", version_base="1.3"):
            cfg = compose("eval", [*common, f"sampler={name}", f"steps={steps}", f"cache_dir={work / 'cache'}"])
        begin = time.perf_counter()
        evaluate(cfg)
        seconds = time.perf_counter() - begin
        (record,) = json.loads(out.read_text())["records"]
        rows.append((f"{name}-{steps}", record["value"], args.n / seconds))
    pictures = {
        "samples": ["n=64", "sampler=ddim", "steps=50"],
        "chain": ["mode=chain", "n=48", "frames=8", "sampler=ddpm", "steps=1000"],
        "noising": ["mode=noising", "n=48", "frames=8"],
    }
    if args.figures:
        args.figures.mkdir(parents=True, exist_ok=True)
        for kind, options in pictures.items():
            png = work / f"{kind}.png"
            genlab("sample", f"ckpt={ckpt}", *options, f"out={png}")
            shutil.copy(png, args.figures / f"ddpm_digits_{kind}.png")
    print(f"training: {args.epochs} epochs in {train_s:.0f} s (incl. start-up and sample grids); runs in {work}")
    print(f"| sampler | domain FID ({args.n} samples) | images/s | speed-up over ddpm-1000 |")
    print("|---|---|---|---|")
    for name, fid, rate in rows:
        print(f"| {name} | {fid:.2f} | {rate:.2f} | {rate / rows[0][2]:.1f}× |")


if __name__ == "__main__":
    main()
