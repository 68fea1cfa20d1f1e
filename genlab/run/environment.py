"""What a run ran on, written into its directory (`environment.json`) when it starts, so a number
can be traced to the code, the libraries and the hardware that made it: genlab's version and,
from a checkout, its git commit (and whether the tree had uncommitted changes); Python and the
packages a run's numbers depend on; CPUs, GPUs and CUDA; the trainer's placement and
precision; and the speed switches (compile, channels_last). A resumed run appends its own
start, so a run that moved machines says so.
"""

import json
import os
import platform
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.utilities import rank_zero_only
from omegaconf import DictConfig

import genlab
from genlab.atomic import write_atomically

PACKAGES = ("torch", "torchvision", "lightning", "hydra-core", "omegaconf", "torchmetrics", "diffusers", "numpy")
FILE_NAME = "environment.json"


def git_commit() -> dict[str, Any] | None:
    """The commit of the checkout genlab runs from, or None for an installed wheel."""
    source = Path(genlab.__file__).resolve().parent.parent
    if not (source / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True)
        status = subprocess.run(["git", "-C", str(source), "status", "--porcelain"], capture_output=True, text=True)
    except OSError:  # no git on the machine
        return None
    if commit.returncode != 0:
        return None
    return {"commit": commit.stdout.strip(), "uncommitted_changes": bool(status.stdout.strip())}


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def hardware() -> dict[str, Any]:
    cuda = torch.cuda.is_available()
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []
    return {
        "machine": platform.machine(),
        "system": platform.platform(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpus": gpus,
        "cuda": torch.version.cuda if gpus else None,
    }


def describe(cfg: DictConfig) -> dict[str, Any]:
    trainer = cfg.trainer
    return {
        "started": datetime.now().isoformat(timespec="seconds"),
        "genlab": genlab.__version__,
        "git": git_commit(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "hardware": hardware(),
        "trainer": {key: trainer.get(key) for key in ("accelerator", "devices", "num_nodes", "strategy", "precision")},
        "speed": {key: cfg.get(key) for key in ("compile", "compile_backend", "compile_mode", "channels_last")},
    }


@rank_zero_only
def record_environment(cfg: DictConfig) -> Path:
    """Append this start to `<run>/environment.json` (created on the first start); rank 0 only."""
    path = Path(cfg.paths.output_dir) / FILE_NAME
    starts = json.loads(path.read_text())["starts"] if path.is_file() else []
    starts.append(describe(cfg))
    text = json.dumps({"starts": starts}, indent=2, default=str).encode()
    write_atomically(path, lambda f: f.write(text))
    return path
