"""Downloads through torch hub, in genlab's words.

torch hub writes `Downloading: "https://…" to …` (to stdout) and a progress bar (to stderr) before it knows
whether the transfer can work, so an offline run printed that line above genlab's one-line
refusal. `quiet_download` holds torch hub's (and torch-fidelity's) output back and says in one
line what arrived, only once it has.
"""

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path


@contextmanager
def quiet_download(target: Path, what: str) -> Iterator[None]:
    """Run a download of `what` into `target` silently; report it in one line when it succeeded."""
    existed = target.is_file()
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        yield
    if not existed and target.is_file():
        size = target.stat().st_size / 2**20
        print(f"genlab: downloaded {what} ({size:.0f} MB) to {target}", file=sys.stderr)
