"""Kill a training run with SIGKILL at random moments, resume it each time, and compare its final
weights with an uninterrupted run of the same config — more kills than CI can afford.

    python scripts/stress_kill_resume.py --kills 50 --steps 600 --every 3

Prints one Markdown table row (kills landed, steps, files left besides `last.ckpt`, maximal
weight difference) for docs/reliability.md. Run it alone:
two torch processes on two cores slow each other down badly.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ helpers
from tests.test_reliability import CLI_QUIET, TINY, start, wait_for_new_save, wait_for_run


def final_weights(run: Path) -> tuple[dict[str, torch.Tensor], int]:
    checkpoint = torch.load(run / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    return checkpoint["state_dict"], checkpoint["global_step"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--every", type=int, default=3, help="last.ckpt every N steps")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    train = ["model=vae", *TINY, *CLI_QUIET, f"trainer.max_steps={args.steps}"]
    with tempfile.TemporaryDirectory() as tmp:
        root, cwd = Path(tmp), Path(tmp) / "cwd"
        cwd.mkdir()
        straight = start(train, cwd, root / "straight")
        if straight.wait() != 0:
            raise SystemExit(straight.stderr.read())
        (straight_run,) = wait_for_run(root / "straight", straight)

        began, kills = time.monotonic(), 0
        process = start([*train, f"callbacks.last_checkpoint.every_n_train_steps={args.every}"], cwd, root / "killed")
        (run,) = wait_for_run(root / "killed", process)
        last = run / "checkpoints" / "last.ckpt"
        while kills < args.kills:
            if not wait_for_new_save(last, last.stat().st_mtime if last.is_file() else 0, process, timeout=600):
                break
            time.sleep(rng.uniform(0, 0.15))
            process.kill()
            process.wait()
            kills += 1
            process = start([f"resume={run}"], cwd, root / "killed")
        if process.wait() != 0:
            raise SystemExit(process.stderr.read())
        elapsed = time.monotonic() - began

        expected, _ = final_weights(straight_run)
        actual, step = final_weights(run)
        diff = max((expected[k] - actual[k]).abs().max().item() for k in expected)
        leftovers = sorted(p.name for p in (run / "checkpoints").iterdir() if p.name != "last.ckpt")
    print("| kills | steps | final step | files besides last.ckpt | max weight diff | wall |")
    print("|---|---|---|---|---|---|")
    print(f"| {kills} | {args.steps} | {step} | {len(leftovers)} | {diff:.1e} | {elapsed:.0f} s |")


if __name__ == "__main__":
    main()
