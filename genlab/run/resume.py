"""`genlab train resume=RUN_DIR`: continue a run in its own directory.

The run's saved config (`RUN_DIR/.hydra/config.yaml`) becomes the primary config, so the
resumed run is the same experiment even if the shipped YAML changed since; further overrides
(e.g. a larger `trainer.max_epochs`) apply on top. Hydra's record of the resume goes to
`.hydra/resumed-<stamp>/`, leaving the original record untouched. The run directory is locked
before anything is written into it (`genlab.run.lock`), and a `last.ckpt` that a crash left
unreadable is passed over for the newest readable checkpoint, with a warning.

A job that SLURM requeued (a time limit or a pre-emption: `hydra/launcher=slurm`) runs its
command again in the same run directory; `requeued_checkpoint` makes it continue from that
directory's checkpoint instead of starting over.
"""

import os
import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from genlab.errors import GenlabError
from genlab.run.lock import hold_run_lock
from genlab.run.resolvers import run_stamp
from genlab.trust import read_run_config


def split_resume(args: list[str]) -> tuple[str | None, list[str]]:
    resume = [a for a in args if a.startswith("resume=")]
    rest = [a for a in args if not a.startswith("resume=")]
    if len(resume) > 1:
        raise GenlabError("resume= was given more than once; pass one run directory")
    return (resume[0].split("=", 1)[1] or None) if resume else None, rest


def trusts_configs(args: list[str]) -> bool:
    """Whether the command line says `trust_config=true` (any spelling Hydra reads as true)."""
    values = [a.split("=", 1)[1] for a in args if a.split("=", 1)[0].lstrip("+") == "trust_config"]
    return bool(values) and values[-1].strip().lower() in ("true", "yes", "on", "1")


# group choices that would build a different experiment than the checkpoint holds
FIXED_ON_RESUME = ("model", "dataset", "experiment")


def refuse_changed_experiment(run_dir: str, rest: list[str]) -> None:
    """A resumed run's saved config has no defaults list, so `model=dcgan` cannot mean a new model
    (Hydra would fail in several lines); a different model or dataset is a new run anyway."""
    for arg in rest:
        key = arg.split("=", 1)[0].lstrip("+~")
        if key.split("/", 1)[0] in FIXED_ON_RESUME and "." not in key:
            raise GenlabError(
                f"resume={run_dir} continues that run's own model and dataset, so {arg} cannot apply; drop it "
                f"to continue the run, or start a new one with: genlab train {arg}"
            )


def resume_args(run_dir: str, rest: list[str]) -> list[str]:
    """The Hydra arguments that continue the run in `run_dir`, followed by `rest`."""
    if any(a in ("-m", "--multirun") for a in rest):
        raise GenlabError("resume= continues one run and cannot be combined with -m/--multirun")
    refuse_changed_experiment(run_dir, rest)
    root = Path(run_dir).expanduser().resolve()
    config = root / ".hydra" / "config.yaml"
    if not config.is_file():
        raise GenlabError(f"resume={run_dir}: {config} not found; pass a run directory written by `genlab train`")
    trust = trusts_configs(rest)
    saved = None if trust else read_run_config(str(config), f"resume={run_dir}")
    last, checkpoint = resume_checkpoint(root / "checkpoints", run_dir)
    if not trust:
        from genlab.checkpoint import check_stored_config

        check_stored_config(checkpoint, f"resume={run_dir}: {last.name}")  # it is compared, not built, but altered
        check_run_config_unchanged(config, checkpoint, f"resume={run_dir}", last.name)
    hold_run_lock(root, option="resume")
    refuse_complete_run(run_dir, saved, checkpoint, rest)
    return [
        "--config-path",
        str(config.parent),
        "--config-name",
        "config",
        f'hydra.run.dir="{root}"',
        f"hydra.output_subdir=.hydra/resumed-{run_stamp()}",
        "hydra.job.name=train",  # the run's log stays train.log (Hydra would name it after the app's module)
        f'ckpt_path="{last}"',
        *rest,
    ]


class RunAlreadyCompleteError(Exception):
    """Resuming a run that already reached its end: said in one line, exit 0, nothing written."""


def trainer_limit(saved: DictConfig | None, rest: list[str], key: str) -> int | None:
    """`trainer.<key>` as the resumed run would have it: the command line's, else the run's saved
    one (None: a config passed with trust_config=true, which is not read before Hydra); None when it
    is not a plain number here (an interpolation, another trainer preset)."""
    given = [a.split("=", 1)[1] for a in rest if a.split("=", 1)[0].lstrip("+") == f"trainer.{key}"]
    trainer = OmegaConf.to_container(saved.get("trainer", {}), resolve=False) if saved is not None else {}
    value = given[-1] if given else trainer.get(key)  # unresolved: an interpolation is not a plain number
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def refuse_complete_run(run_dir: str, saved: DictConfig | None, checkpoint: dict, rest: list[str]) -> None:
    """Whether the checkpoint already reached the run's limits, by the rule Lightning resumes by: a
    save after an epoch's last batch counts that epoch as done (its loop state still says
    processed = the epochs before it), and `global_step` counts what `max_steps` limits."""
    if any(a.split("=", 1)[0].lstrip("+") == "trainer" for a in rest):
        return  # another trainer preset: its limits are not known before Hydra composes it
    loops = checkpoint.get("loops", {}).get("fit_loop", {})
    batches = loops.get("epoch_loop.batch_progress", {})
    epoch_ended = batches.get("is_last_batch") and batches["current"]["completed"] == batches["current"]["ready"]
    epochs = loops.get("epoch_progress", {}).get("current", {}).get("processed", 0) + bool(epoch_ended)
    step = int(checkpoint.get("global_step", 0))
    max_epochs, max_steps = trainer_limit(saved, rest, "max_epochs"), trainer_limit(saved, rest, "max_steps")
    if max_steps is not None and 0 <= max_steps <= step:
        reached, option = f"its trainer.max_steps is {max_steps}", f"trainer.max_steps={2 * max(step, 1)}"
    elif max_epochs is not None and 0 <= max_epochs <= epochs:
        reached, option = f"its trainer.max_epochs is {max_epochs}", f"trainer.max_epochs={2 * max(epochs, 1)}"
    else:
        return
    raise RunAlreadyCompleteError(
        f"genlab: resume={run_dir}: the run is complete at step {step} ({epochs} epochs done; {reached}), so there "
        f"is nothing to train; to train on, pass a larger limit: genlab train resume={run_dir} {option}"
    )


def check_run_config_unchanged(config: Path, checkpoint: dict, source: str, name: str) -> None:
    """The run's saved config is the one the checkpoint was trained under (`genlab.checkpoint`
    records its SHA-256; older checkpoints record none): a truncated, damaged or edited file would
    otherwise resume as another experiment, or fail deep inside the model."""
    from genlab.checkpoint import KEY
    from genlab.digest import file_sha256

    recorded = checkpoint[KEY].get("run_config_sha256")
    if recorded is not None and recorded != file_sha256(config):
        raise GenlabError(
            f"{source}: {config} is not the config {name} was trained under (its SHA-256 differs from the one the "
            "checkpoint records: the file was damaged or edited); restore it, or if you edited it yourself, "
            "add trust_config=true"
        )


def requeued_checkpoint(run_dir: str) -> str | None:
    """The checkpoint a requeued SLURM job continues from (SLURM counts restarts in
    SLURM_RESTART_COUNT), or None for a job's first start."""
    restarts = int(os.environ.get("SLURM_RESTART_COUNT") or 0)
    folder = Path(run_dir) / "checkpoints"
    if restarts < 1 or not any(folder.glob("*.ckpt")):
        return None
    last, _ = resume_checkpoint(folder, run_dir)
    if os.environ.get("SLURM_PROCID", "0") == "0":
        print(f"genlab: requeued by SLURM (restart {restarts}): continuing from {last}", file=sys.stderr)
    return str(last)


def resume_checkpoint(folder: Path, run_dir: str) -> tuple[Path, dict]:
    """`last.ckpt`, or, when it is missing or unreadable, the newest readable checkpoint beside it
    (its path and what it holds)."""
    found = sorted(folder.glob("*.ckpt"), key=lambda p: (p.name != "last.ckpt", -p.stat().st_mtime))
    if not found:
        raise GenlabError(f"resume={run_dir}: no checkpoint in {folder}; the run saved none, so start it again")
    unreadable = []
    for path in found:
        try:  # damaged files are passed over here; what an intact one holds is checked by the caller
            from genlab.checkpoint import read_checkpoint  # torch: only when resuming

            checkpoint = read_checkpoint(path, option=f"resume={run_dir}", trust=True)
        except GenlabError:
            unreadable.append(path.name)
            continue
        if unreadable or path.name != "last.ckpt":
            lost = ", ".join(unreadable) or "last.ckpt (missing)"
            print(
                f"genlab: warning: {lost} unreadable; resuming from {path.name}, the newest readable checkpoint",
                file=sys.stderr,
            )
        return path, checkpoint
    raise GenlabError(
        f"resume={run_dir}: no readable checkpoint in {folder} ({', '.join(unreadable)} are corrupt or hold "
        "non-finite weights); start the run again"
    )
