"""One process at a time in a run directory.

Two `genlab train resume=RUN` started together (or a resume while the run still trains) would
interleave their checkpoints and logs. The launching process of a run therefore holds an
exclusive `flock` on `RUN/.lock` until it exits; the kernel drops it when the process dies, even
by kill -9, so a crashed run never leaves a stale lock behind. Ranks started by a launcher (DDP)
run under their rank 0's lock and take none themselves.
"""

import fcntl
import os
from pathlib import Path

from genlab.errors import GenlabError

LOCK_NAME = ".lock"
RANK_VARIABLES = ("LOCAL_RANK", "NODE_RANK", "RANK", "SLURM_PROCID")
_held: dict[Path, int] = {}


def is_launching_process() -> bool:
    return all(os.environ.get(name, "0") == "0" for name in RANK_VARIABLES)


def hold_run_lock(run_dir: str | Path, option: str = "resume") -> None:
    """Lock `run_dir` (which must exist) for the rest of this process, or refuse in one line."""
    if not is_launching_process():
        return
    directory = Path(run_dir).expanduser().resolve()
    if directory in _held:
        return
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise GenlabError(
            f"{option}={run_dir}: another genlab process is training in this run directory; "
            "wait for it to finish (or stop it: it saves last.ckpt on SIGTERM), then resume"
        ) from None
    _held[directory] = fd
