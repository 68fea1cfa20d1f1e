"""What a refused job leaves behind (nothing), and what a sweep says at its end.

Hydra creates a job's run directory (its `.hydra/` record and an empty `train.log`) before genlab
sees the config, so a run refused by a pre-flight check would leave an empty directory per
attempt. `leaves_nothing_if_refused` removes what Hydra made for the job — the whole directory
when it holds nothing else, only the `.hydra/resumed-…` record when the job resumed an existing
run — so refusing a run changes nothing on disk.

Hydra's basic sweeper stops at the first job that exits and re-raises only the first failure of
a batch; `sweep_job` instead reports each failed job in one line as it fails and lets the
sweep go on, and `sweep_summary` prints a table of every job (status, returned value,
overrides) and lists every failure at the end (exit status 1 if any).

Jobs may run in other processes (the joblib and submitit launchers) or on other machines (SLURM),
so each job writes its outcome as a small JSON record into the sweep directory
(`.genlab/<invocation>/job-N.json`), and the launching process reads the records back. The
`SweepRecord` Hydra callback, which every `genlab train` config declares, fixes in the launching
process the sweep directory (its name holds a time stamp, which a job in another process would
otherwise compute anew) and the invocation's id that the jobs file their records under.
"""

import json
import os
import shutil
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, read_write

from genlab.errors import find_user_error
from genlab.run.search import trial_number
from genlab.run.user_errors import one_line

HYDRA_MADE = {".hydra", "train.log", ".lock"}  # what a run directory holds before genlab starts
# what genlab writes between its pre-flight checks and the first step: the environment record and
# the logger's hyperparameters (a checkpoint, or any picture, means the run trained)
WRITTEN_BEFORE_TRAINING = frozenset({"environment.json", "tensorboard"})
EXIT_SWEEP_FAILED = 1
INVOCATION = "GENLAB_SWEEP_INVOCATION"  # the launching process's id for this sweep's job records
RECORDS = ".genlab"  # the sweep directory's folder of job records


@dataclass
class Outcome:
    number: int
    overrides: str
    error: str | None = None  # None: the job finished
    value: float | None = None  # what the job returned (its optimized_metric), if anything


SWEEP_DIRS: set[tuple[str, str]] = set()  # (sweep directory, output root) of the sweeps this process launched


class SweepRecord(Callback):
    """In the launching process, before the sweeper starts: resolve the sweep directory once
    (every job, in whatever process, then writes below the same one), and name this invocation
    so that its jobs' records are told from an earlier invocation's in the same directory (a
    resumed search)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        os.environ[INVOCATION] = uuid.uuid4().hex[:12]
        with read_write(config.hydra.sweep):
            config.hydra.sweep.dir = str(config.hydra.sweep.dir)
        SWEEP_DIRS.add((config.hydra.sweep.dir, str(config.paths.output_root)))


def _records(sweep_dir: str) -> Path:
    return Path(sweep_dir) / RECORDS / os.environ.get(INVOCATION, "local")


def _write_record(sweep_dir: str, outcome: Outcome) -> None:
    folder = _records(sweep_dir)
    folder.mkdir(parents=True, exist_ok=True)
    record = asdict(outcome) | {"value": None if outcome.value is None else float(outcome.value)}
    (folder / f"job-{outcome.number}.json").write_text(json.dumps(record))


def outcomes() -> list[Outcome]:
    """The jobs of the sweeps this process launched, by number, as their records say."""
    found = []
    for sweep_dir, _ in SWEEP_DIRS:
        found += [Outcome(**json.loads(f.read_text())) for f in _records(sweep_dir).glob("job-*.json")]
    return sorted(found, key=lambda o: o.number)


def _remove_empty_parents(directory: Path, root: Path) -> None:
    """Remove `directory` and its parents while they are empty, never above the output root."""
    directory, root = directory.resolve(), root.resolve()
    while directory.is_relative_to(root) and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        if directory == root:
            break
        directory = directory.parent


def remove_job_record(output_dir: str, output_root: str, also: frozenset[str] = frozenset()) -> None:
    """Delete what Hydra wrote for this job (and `also`, what genlab wrote before training), and
    nothing that was there before it."""
    run = Path(output_dir)
    subdir = HydraConfig.get().output_subdir
    if not run.is_dir():
        return
    if subdir == ".hydra" and {p.name for p in run.iterdir()} <= HYDRA_MADE | also:
        shutil.rmtree(run)
        _remove_empty_parents(run.parent, Path(output_root))
    elif subdir and subdir != ".hydra":
        shutil.rmtree(run / subdir, ignore_errors=True)


@contextmanager
def leaves_nothing_if_refused(output_dir: str, output_root: str) -> Iterator[None]:
    """Wrap the pre-flight part of a job: if it raises, the job's directory goes too."""
    try:
        yield
    except BaseException:
        remove_job_record(output_dir, output_root)
        raise


@contextmanager
def leaves_nothing_if_refused_at_start(trainer: Any, output_dir: str, output_root: str) -> Iterator[None]:
    """Wrap `fit`: a refusal from the set-up inside it (a model's or a callback's: weights that
    cannot be found or downloaded, a classifier that does not fit the data), before the first batch
    is drawn, removes what the job made, as a pre-flight refusal does: a fresh run's folder goes
    when it holds only what was written before training. A refusal after that (a divergence)
    leaves the run as it stopped."""
    try:
        yield
    except BaseException as exc:
        untouched = trainer.global_step == 0 and trainer.fit_loop.epoch_loop.batch_progress.total.ready == 0
        if untouched and find_user_error(exc) is not None:
            remove_job_record(output_dir, output_root, also=WRITTEN_BEFORE_TRAINING)
        raise


def sweeping() -> bool:
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


@contextmanager
def sweep_job() -> Iterator[Outcome]:
    """In a sweep, a failed job is one line (or its traceback, for a bug) and the sweep goes on.
    The caller records the job's return value in the yielded outcome."""
    hydra = HydraConfig.get()
    job = hydra.job
    # the override strings themselves: override_dirname joins them with ',' that list values contain too
    overrides = " ".join(hydra.overrides.task) or "(no overrides)"
    # job.num, or in a resumed search the Optuna trial's number
    outcome = Outcome(trial_number(job.num), overrides)
    try:
        yield outcome
    except Exception as exc:  # every job runs; the summary reports each failure
        error = find_user_error(exc)
        if error is None:
            traceback.print_exc()
        message = one_line(error) if error is not None else f"{type(exc).__name__}: {exc}"
        print(f"genlab: error: job {outcome.number} ({overrides}): {message}", file=sys.stderr)
        outcome.error = message.splitlines()[0] if message else type(exc).__name__
    _write_record(hydra.sweep.dir, outcome)


def every_job_failed() -> bool:
    """Whether this process ran sweep jobs and none finished (a sweeper such as Optuna's then
    raises on asking for the best result; the summary of failures says more)."""
    jobs = outcomes()
    return bool(jobs) and all(o.error is not None for o in jobs)


def varying(jobs: list[Outcome]) -> list[str]:
    """Each job's overrides that are not the same for every job (all of them for a single job)."""
    split = [o.overrides.split(" ") for o in jobs]
    shared = set.intersection(*(set(words) for words in split)) if len(jobs) > 1 else set()
    return [" ".join(w for w in words if w not in shared) or "(as the others)" for words in split]


def jobs_table(jobs: list[Outcome]) -> str:
    """Every job of the sweep: number, status, returned value and the overrides that tell it apart."""
    finished = sum(o.error is None for o in jobs)
    rows = [("job", "status", "returned", "overrides")]
    for o, own in zip(jobs, varying(jobs), strict=True):
        value = "-" if o.value is None else f"{o.value:.6g}"
        rows.append((str(o.number), "failed" if o.error else "finished", value, own))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  " + "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[3]]) for row in rows]
    dirs = ", ".join(sorted({d for d, _ in SWEEP_DIRS}))
    head = f"genlab: sweep of {len(jobs)} jobs in {dirs}: {finished} finished, {len(jobs) - finished} failed"
    return "\n".join([head, *(line.rstrip() for line in lines)])


def sweep_summary() -> int:
    """Print every job of this process's sweep, then its failures; the exit status (0 when none
    failed)."""
    jobs = outcomes()
    if not jobs:
        return 0
    print(f"\n{jobs_table(jobs)}")
    failed = [o for o in jobs if o.error is not None]
    if not failed:
        return 0
    if len(failed) == len(jobs):  # every job was refused: the sweep leaves no folder either
        for sweep_dir, output_root in SWEEP_DIRS:
            sweep = Path(sweep_dir)
            if sweep.is_dir() and {p.name for p in sweep.iterdir()} <= {"multirun.yaml", RECORDS}:
                shutil.rmtree(sweep)
                _remove_empty_parents(sweep.parent, Path(output_root))
    print(f"genlab: {len(failed)} of {len(jobs)} sweep jobs failed:", file=sys.stderr)
    for outcome in failed:
        print(f"  job {outcome.number} ({outcome.overrides}): {outcome.error}", file=sys.stderr)
    return EXIT_SWEEP_FAILED
