"""The long run of the untrusted-file fuzzing suite: `tests/test_fuzz_untrusted.py` with many more
cases than CI's 350 and a fresh seed, its Hypothesis statistics (cases of each kind, per entry
point) printed for docs/reliability.md.

    python scripts/fuzz_untrusted.py --examples 3000 --seed 1

Each case must be refused in one `genlab: error:` line with no traceback, no marker file, no
import of the canary module and no file changed; the first case that is not fails the run and
Hypothesis prints it, shrunk, with the seed to reproduce it.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3000, help="cases per test (checkpoints, run configs)")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="Hypothesis seed")
    args = parser.parse_args()
    env = {**os.environ, "GENLAB_FUZZ_EXAMPLES": str(args.examples), "GENLAB_FUZZ_RANDOM": "1"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_fuzz_untrusted.py",
        f"--hypothesis-seed={args.seed}",
        "--hypothesis-show-statistics",
    ]
    print(f"$ GENLAB_FUZZ_EXAMPLES={args.examples} GENLAB_FUZZ_RANDOM=1 {' '.join(command[2:])}", flush=True)
    start = time.monotonic()
    status = subprocess.call(command, cwd=ROOT, env=env)
    print(
        f"fuzz_untrusted: seed {args.seed}, {args.examples} cases a test, {time.monotonic() - start:.0f} s, "
        f"{'all refused' if status == 0 else 'FAILED'}"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
