"""Print the final value of every validation scalar of a run as a Markdown table.

    python scripts/summarize_run.py outputs/vae-fashion_mnist/<stamp>

Used by the reproduction scripts to put figures into the README.
"""

import argparse
import sys
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def final_scalars(run_dir: Path, prefix: str = "val/") -> dict[str, tuple[int, float]]:
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    return {
        tag: (events.Scalars(tag)[-1].step, events.Scalars(tag)[-1].value)
        for tag in sorted(events.Tags()["scalars"])
        if tag.startswith(prefix)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args()
    if not (args.run_dir / "tensorboard").is_dir():
        print(f"summarize_run: {args.run_dir} has no tensorboard/ folder; pass a run directory", file=sys.stderr)
        return 2
    print("| metric | step | value |\n|---|---|---|")
    for tag, (step, value) in final_scalars(args.run_dir).items():
        print(f"| {tag} | {step} | {value:.4g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
