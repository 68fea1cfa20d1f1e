"""OmegaConf resolvers that the shipped configs use; registered before Hydra composes."""

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import ListConfig, OmegaConf

from genlab.errors import GenlabError
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


def slurm_tasks(devices: Any) -> int:
    """Tasks per node for `hydra/launcher=slurm`: one per device, since Lightning takes SLURM's
    tasks as its ranks. sbatch needs a count, so `-1`/`auto` (every device the node has, known
    only on the node) are refused in one line on the login node."""
    if isinstance(devices, ListConfig | list | tuple):
        return len(devices)
    if isinstance(devices, int) and devices >= 1:
        return devices
    if isinstance(devices, str) and devices.isdigit() and int(devices) >= 1:
        return int(devices)
    raise GenlabError(
        f"hydra/launcher=slurm asks SLURM for one task per device, so trainer.devices={devices} must be a number "
        "of devices per node (or a list of them); e.g. trainer.devices=4"
    )


def slurm_gpus(accelerator: str, devices: Any) -> int | None:
    """GPUs per node for `hydra/launcher=slurm`: one per task; for a CPU trainer none, and no
    `--gpus-per-node` line at all (a cluster without GPUs may refuse even `=0`)."""
    return None if str(accelerator) == "cpu" else slurm_tasks(devices)


# genlab's own resolvers: each computes a value from its arguments (and the clock, the process
# id, the environment's CPU count or trial offset) and changes nothing, so a run directory's
# config may call them (`genlab.trust`)
RESOLVERS = {
    "genlab_stamp": run_stamp,
    "genlab_beside": beside_checkpoint,
    "genlab_workers": loader_workers,
    "genlab_r1_gamma": r1_gamma,
    "genlab_low_side": low_side,
    "genlab_trial": trial_number,
    "genlab_slurm_tasks": slurm_tasks,
    "genlab_slurm_gpus": slurm_gpus,
}
CACHED = {"genlab_stamp"}  # one stamp per process: every key that asks for it names the same folder


def register() -> None:
    for name, resolver in RESOLVERS.items():
        OmegaConf.register_new_resolver(name, resolver, use_cache=name in CACHED, replace=True)
