"""The commands' argument checks, made before torch and Lightning are imported — which takes
5–7 s on a small machine — so that a missing checkpoint, a mistyped option or a cluster launcher
on a machine without the cluster answers at once, in one line. Only the standard library is
imported here; each command (`genlab/run/commands.py`, `train_app.py`) runs its check, then
imports its implementation, which runs the check again when it is called in-process."""

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from genlab.errors import GenlabError

METRICS = (
    "fid",
    "kid",
    "is",
    "precision",
    "recall",
    "ppl",
    "ppl_w",
    "separability",
    "mig",
    "anomaly",
    "subgroups",
    "purity",
    "fid_behaviour",
)
PICTURES = (
    "mixing",
    "truncation",
    "interpolate",
    "sefa",
    "edit",
    "traversal",
    "codes",
    "context",
    "subspace",
    "scatter",
    "manifold",
    "features",
    "activations",
)


def nearby_checkpoints(missing: Path) -> str:
    """What to pass instead of a missing checkpoint: the .ckpt files beside it, if any."""
    found = sorted(p.name for p in missing.parent.glob("*.ckpt")) if missing.parent.is_dir() else []
    only_with_evaluation = (
        "best-fid.ckpt is written only by runs trained with evaluation=domain|inception; "
        if missing.name == "best-fid.ckpt"
        else ""
    )
    if found:
        return f"{only_with_evaluation}{missing.parent} holds {', '.join(found)}"
    return f"{only_with_evaluation}pass the path of a .ckpt file written by `genlab train`"


def checkpoint_file(ckpt: str | None, command: str, option: str = "ckpt") -> Path:
    """The checkpoint a command reads: given, and a file."""
    if ckpt is None:
        raise GenlabError(f"genlab {command} needs {option}=PATH (a .ckpt written by `genlab train`)")
    file = Path(ckpt).expanduser()
    if not file.is_file():
        raise GenlabError(f"{option}={ckpt}: no such file; {nearby_checkpoints(file)}")
    return file


def check_metric_names(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise GenlabError(f"metrics={list(names)}: choose from {', '.join(METRICS)}, e.g. metrics=[fid,kid]")
    return list(names)


def check_launcher(args: Sequence[str]) -> None:
    """A SLURM launcher submits with sbatch and starts ranks with srun: both must be here (submitit
    would otherwise fail inside the sweep with a traceback)."""
    for arg in args:
        launcher = arg.partition("hydra/launcher=")[2]
        if launcher in ("slurm", "submitit_slurm") and not (shutil.which("sbatch") and shutil.which("srun")):
            raise GenlabError(
                f"hydra/launcher={launcher} submits jobs with SLURM's sbatch and srun, which are not on this "
                "machine's PATH; run the command on the cluster's login node, or try the sweep here with "
                "hydra/launcher=submitit_local"
            )


def train_a_classifier(dataset: str) -> str:
    return f"train one with `genlab train model=classifier dataset={dataset}`"


def classifier_file(classifier: str | None, dataset: str, spelled: str = "") -> Path:
    """The `domain` feature space's classifier checkpoint: given, and a file. Checked where it is
    built (`genlab.metrics.extractors`) and, once for all jobs, before a sweep (`sweep_checks`);
    `spelled` is the options' prefix in the command at hand (`callbacks.metrics.` while training)."""
    if classifier is None:
        raise GenlabError(
            f"{spelled}extractor=domain needs {spelled}classifier=PATH, a classifier checkpoint for '{dataset}'; "
            f"{train_a_classifier(dataset)} and pass its checkpoints/last.ckpt"
        )
    file = Path(classifier).expanduser()
    if not file.is_file():
        raise GenlabError(
            f"{spelled}classifier={classifier}: no such file; {train_a_classifier(dataset)} and pass its "
            "checkpoints/last.ckpt"
        )
    return file


def check_output_dir(output_dir: str, job_dir: str) -> None:
    """`paths.output_dir` is where Hydra put this job (`.hydra/`, the run log); set on its own, the
    checkpoints would land in one folder and the config that resumes them in another."""
    if Path(output_dir).expanduser().resolve() != Path(job_dir).expanduser().resolve():
        raise GenlabError(
            f"paths.output_dir={output_dir}: a run's folder is the one Hydra makes for it; pass "
            f"hydra.run.dir={output_dir} instead (or paths.output_root=DIR for DIR/<model>-<dataset>/<stamp>)"
        )


def check_sample(cfg: Any) -> Path:
    ckpt = checkpoint_file(cfg.ckpt, "sample")
    if cfg.n < 1:
        raise GenlabError(f"n={cfg.n} must be a positive number of images")
    return ckpt


def check_eval(cfg: Any) -> tuple[Path, list[str]]:
    names = check_metric_names(list(cfg.metrics))  # a typo here is named before the checkpoint is looked for
    ckpt = checkpoint_file(cfg.ckpt, "eval")
    if cfg.split not in ("train", "val"):
        raise GenlabError(f"split={cfg.split!r}: use train or val (the dataset's splits as genlab train used them)")
    return ckpt, names


def check_explore(cfg: Any) -> Path:
    ckpt = checkpoint_file(cfg.ckpt, "explore")
    if cfg.what not in PICTURES:
        raise GenlabError(f"what={cfg.what} is unknown; choose one of {', '.join(PICTURES)}")
    for key in ("rows", "cols", "k", "fit_samples"):
        if cfg[key] < 1:
            raise GenlabError(f"{key}={cfg[key]} must be a positive whole number")
    if not cfg.distances or not cfg.psi:
        raise GenlabError("distances=[…] and psi=[…] need at least one value each")
    return ckpt
