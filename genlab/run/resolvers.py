"""OmegaConf resolvers that the shipped configs use; registered before Hydra composes."""

import os
import tempfile
from datetime import datetime
from pathlib import Path

from omegaconf import OmegaConf

from genlab.run.search import trial_number


def run_stamp() -> str:
    """Sub-second timestamp plus process id: two runs on one host never share a directory."""
    return f"{datetime.now():%Y-%m-%d_%H-%M-%S.%f}_p{os.getpid()}"


def beside_checkpoint(ckpt: str | None, folder: str) -> str:
    """The folder where `genlab sample`/`eval` write what they make from `ckpt` (`<run>/<folder>`):
    their `-m` sweeps keep Hydra's `multirun.yaml` there, not in the working directory (without
    `ckpt=`, which the command then refuses, in the temporary directory)."""
    from genlab.checkpoint import derived_path

    if ckpt is None:
        return tempfile.gettempdir()
    return str(derived_path(Path(ckpt).expanduser(), folder, "-").parent)


def loader_workers(wanted: int) -> int:
    """DataLoader workers: `wanted`, but no more than the CPUs this process may use leave beside
    the training process itself (4 workers on 2 cores made torch warn on every run, and crawl)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(int(wanted), cpus - 1))


def r1_gamma(side: int, batch: int) -> float:
    """StyleGAN2-ADA's rule of thumb for R1's γ: 0.0002 · side² / batch (0.0256 at 64 px, batch 32),
    so overriding the image size or the batch keeps γ in proportion."""
    return 0.0002 * int(side) ** 2 / int(batch)


def low_side(side: int, factor: int) -> int:
    """The side of an image `factor` times smaller (super-resolution's source)."""
    return int(side) // int(factor)


def register() -> None:
    OmegaConf.register_new_resolver("genlab_stamp", run_stamp, use_cache=True, replace=True)
    OmegaConf.register_new_resolver("genlab_beside", beside_checkpoint, replace=True)
    OmegaConf.register_new_resolver("genlab_workers", loader_workers, replace=True)
    OmegaConf.register_new_resolver("genlab_r1_gamma", r1_gamma, replace=True)
    OmegaConf.register_new_resolver("genlab_low_side", low_side, replace=True)
    OmegaConf.register_new_resolver("genlab_trial", trial_number, replace=True)
