"""Command-line start-up: how long `genlab` takes to answer, and to train its first step.

Each command runs `--repeats` times as a fresh process (the best time is kept): the top-level
help, `genlab train --help` (composes nothing heavy: no torch), a refused option (answered before
torch and Lightning load), and a one-step training run on the embedded digits — from the
process start to its exit, so it bounds the time to the first training step from above.

    python scripts/bench_startup.py --repeats 3
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENLAB = str(Path(sys.executable).parent / "genlab")
# name → (arguments of genlab, or None for the bare import; the exit status it must end with)
COMMANDS = {
    "genlab --help": (["--help"], 0),
    "genlab train --help": (["train", "--help"], 0),
    "genlab train model=vea (refused)": (["train", "model=vea"], 2),
    "python -c 'import torch, lightning'": (None, 0),
    "genlab train trainer.max_steps=1 (start to exit)": (
        [
            "train",
            "trainer.max_steps=1",
            "logger=none",
            "callbacks=minimal",
            "trainer.enable_progress_bar=false",
            "trainer.enable_model_summary=false",
        ],
        0,
    ),
}


def seconds(args: list[str] | None, status: int, cwd: str) -> float:
    command = [sys.executable, "-c", "import torch, lightning"] if args is None else [GENLAB, *args]
    env = {**os.environ, "GENLAB_OUTPUT_DIR": cwd}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    took = time.perf_counter() - start
    if done.returncode != status:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}, not {status}:\n{done.stderr[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (command, status) in COMMANDS.items():
            best = min(seconds(command, status, tmp) for _ in range(args.repeats))
            print(f"{name}: {best:.2f} s")


if __name__ == "__main__":
    main()
