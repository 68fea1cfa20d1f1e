"""Crash-safe files: a file genlab writes is either the old one or the complete new one.

A kill (or a full disk) while `torch.save` streams into `last.ckpt` would otherwise leave a
truncated file that no resume can read. Every checkpoint and cache entry is therefore written
to a temporary file in the *same* directory (a rename across filesystems is a copy, not atomic),
flushed and fsynced, then renamed over the target; the directory is fsynced so the rename
itself survives a power cut. Temporaries left by a kill are named `.<name>.<random>.tmp` and
removed by `remove_stale_temporaries` when the run directory is next opened.
"""

import os
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

TEMPORARY_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: str | Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Call `write(file)` on a temporary beside `path`, then put it in place in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide checkpoints from the group
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_stale_temporaries(directory: str | Path) -> list[Path]:
    """Delete the temporaries a killed writer left in `directory` (call only while no writer runs)."""
    stale = [p for p in Path(directory).glob(f".*{TEMPORARY_SUFFIX}") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, made crash-safe: every `trainer.save_checkpoint` goes through it."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options, got {storage_options!r}")
        write_atomically(path, lambda file: torch.save(checkpoint, file))
