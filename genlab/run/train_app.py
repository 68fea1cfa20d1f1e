"""`genlab train`: the Hydra app in front of training.

Hydra composes the config and the typed schema checks it (`genlab.run.schema`) before torch and
Lightning are imported: a mistyped group, key or value is refused in about a second instead of
after the five that loading them takes, and `genlab train --help` answers as quickly. Only a
config that passed imports `genlab.run.train`, which builds and fits the run. A refusal here
removes the directory Hydra made for the job, as every later one does.
"""

import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from genlab.run import resolvers
from genlab.run.arguments import check_launcher, check_output_dir
from genlab.run.jobs import every_job_failed, leaves_nothing_if_refused, sweep_job, sweep_summary, sweeping
from genlab.run.launch import run_app
from genlab.run.resume import RunAlreadyCompleteError, resume_args, split_resume
from genlab.run.run_log import attach_run_log
from genlab.run.schema import validate
from genlab.run.user_errors import exit_on_user_error
from genlab.trust import check_resolved


def primary_config_file() -> str | None:
    """The folder the primary config was read from when it is not genlab's own (a run directory's
    `.hydra/` under `resume=`, or `--config-path`), else None."""
    main = [s for s in HydraConfig.get().runtime.config_sources if s.provider == "main"]
    return main[0].path if main and main[0].schema == "file" else None


def start(cfg: DictConfig) -> float | None:
    job_dir = HydraConfig.get().runtime.output_dir  # Hydra's, not a value the (maybe foreign) config names
    with leaves_nothing_if_refused(job_dir, cfg.paths.output_root):
        folder = primary_config_file()
        if folder is not None and cfg.get("trust_config") is not True:
            # read before Hydra as data (`resume_args`); here the same config as it will be built.
            # Before the run log is attached: a refusal adds nothing to the run's train.log
            check_resolved(cfg, f"the config in {folder}")
        check_output_dir(cfg.paths.output_dir, job_dir)
    attach_run_log()
    with leaves_nothing_if_refused(job_dir, cfg.paths.output_root):
        validate(cfg)
    from genlab.run.train import train  # torch and Lightning: only for a config that passed

    return train(cfg)


@hydra.main(version_base="1.3", config_path="pkg://genlab.configs", config_name="train")
def hydra_main(cfg: DictConfig) -> float | None:
    if sweeping():
        with sweep_job() as outcome:
            outcome.value = start(cfg)
        return outcome.value
    with exit_on_user_error():
        return start(cfg)


def run(args: list[str]) -> int:
    try:
        with exit_on_user_error():
            check_launcher(args)
            resume, rest = split_resume(args)
            hydra_args = resume_args(resume, rest) if resume else rest
    except RunAlreadyCompleteError as complete:
        print(complete, file=sys.stderr)
        return 0
    resolvers.register()
    try:
        status = run_app(hydra_main, hydra_args)
    except Exception:
        if not every_job_failed():
            raise
        status = 0  # the sweeper gave up for want of a finished job: the summary says why
    return status or sweep_summary()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
