"""Optuna searches that resume: a Hydra callback run before the Optuna sweeper starts.

Hydra's Optuna sweeper loads an existing study from its database (`load_if_exists`), but a
second invocation then runs `n_trials` *more* trials and numbers its jobs from 0 again, so their
run folders would land on the first invocation's. `ResumeStudy` makes `n_trials` the budget of
the whole search instead: before the sweeper is built it opens the study, marks the trials that
an interrupted invocation left running as failed (their folders stay), lowers the sweeper's
`n_trials` to what is left, moves a seeded sampler's seed on (the same seed would propose the
first invocation's points again), and numbers this invocation's jobs after the study's trials,
so job N's folder belongs to Optuna trial N. The offset travels in an environment variable because
launchers that run jobs in other processes (joblib, submitit) compose each job's config anew.

The search configs (`configs/hparams_search/`) declare this callback; it needs the `sweeps`
extra (`pip install 'genlab[sweeps]'`), as the sweeper does.
"""

import os
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, read_write

TRIAL_OFFSET = "GENLAB_TRIAL_OFFSET"  # the Optuna trial number of this invocation's job 0


def trial_number(job_num: int | str) -> int:
    """The number of the Optuna trial that Hydra's job `job_num` runs (resolver `genlab_trial`)."""
    return int(job_num) + int(os.environ.get(TRIAL_OFFSET, "0"))


def sqlite_file(storage: str) -> Path | None:
    """The database file of an `sqlite:///PATH` storage URL (None for other databases)."""
    prefix = "sqlite:///"
    return Path(storage[len(prefix) :]) if storage.startswith(prefix) else None


class ResumeStudy(Callback):
    """Continue the sweeper's study where an earlier invocation of the same search stopped."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        os.environ[TRIAL_OFFSET] = "0"
        sweeper = config.hydra.sweeper
        storage, name = sweeper.get("storage"), sweeper.get("study_name")
        if not storage or not name:
            return  # an in-memory study: nothing to resume
        database = sqlite_file(str(storage))
        if database is not None:
            database.parent.mkdir(parents=True, exist_ok=True)
            if not database.is_file():
                return
        import optuna
        from optuna.trial import TrialState

        try:
            study = optuna.load_study(study_name=name, storage=storage)
        except KeyError:  # the database exists but holds other studies
            return
        interrupted = study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING))
        for trial in interrupted:
            study.tell(trial.number, state=TrialState.FAIL)
        trials = study.get_trials(deepcopy=False)
        budget = int(sweeper.n_trials)
        left = max(0, budget - len(trials) + len(interrupted))
        os.environ[TRIAL_OFFSET] = str(len(trials))
        with read_write(config.hydra.sweeper):
            sweeper.n_trials = left
            if sweeper.get("sampler") and sweeper.sampler.get("seed") is not None:
                # the same seed would draw the first invocation's points again
                sweeper.sampler.seed = int(sweeper.sampler.seed) + len(trials)
        restarted = f"; {len(interrupted)} interrupted trial(s) marked failed" if interrupted else ""
        print(
            f"genlab: resuming search '{name}' ({storage}): {budget - left} of {budget} trials done{restarted}; "
            f"{left} to run" + ("" if left else f" (raise hydra.sweeper.n_trials above {budget} to search further)"),
            flush=True,
        )
