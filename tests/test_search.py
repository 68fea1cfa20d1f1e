"""Hyperparameter searches and cluster launchers: Hydra's Optuna sweeper and submitit launchers
on genlab's configs (the `sweeps` and `slurm` extras)."""

import os
from pathlib import Path

import optuna
import pytest
import submitit
from hydra import compose, initialize_config_module
from hydra.errors import MissingConfigException
from omegaconf import OmegaConf
from optuna.trial import TrialState

from genlab.run import resolvers, train_app
from genlab.run.launch import describe
from genlab.run.search import TRIAL_OFFSET, ResumeStudy
from tests.conftest import run_cli, run_dirs

TINY = [
    "trainer.max_epochs=1",
    "dataset.image_size=16",
    "logger=none",
    "callbacks=minimal",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
]


def sweeper_config(storage: str, n_trials: int, seed: int | None = 7) -> OmegaConf:
    return OmegaConf.create(
        {"hydra": {"sweeper": {"storage": storage, "study_name": "s", "n_trials": n_trials, "sampler": {"seed": seed}}}}
    )


@pytest.mark.parametrize("search", ["vae_digits", "dcgan_digits", "optuna"])
def test_every_search_composes_and_searches_keys_that_exist(search):
    resolvers.register()
    with initialize_config_module("genlab.configs", version_base="1.3"):
        cfg = compose("train", overrides=[f"hparams_search={search}"], return_hydra_config=True)
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_.endswith("OptunaSweeper") and sweeper.storage.endswith(
        f"search/{sweeper.study_name}/study.db"
    )
    assert "genlab.run.search.ResumeStudy" in [c._target_ for c in cfg.hydra.callbacks.values()]
    for key in sweeper.params or {}:
        assert OmegaConf.select(cfg, key) is not None, f"{search} searches {key}, which the config does not have"
    if search != "optuna":
        assert cfg.optimized_metric and cfg.model.name in search


def test_a_resumed_study_runs_what_is_left_and_reruns_interrupted_trials(tmp_path, monkeypatch):
    monkeypatch.setenv(TRIAL_OFFSET, "99")
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="s", storage=storage)
    for value in (0.5, 0.25):
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        study.tell(trial, value)
    study.tell(study.ask(), state=TrialState.FAIL)
    study.ask()  # the invocation that ran it was killed: left RUNNING
    config = sweeper_config(storage, n_trials=6)
    OmegaConf.set_readonly(config.hydra, True)  # as Hydra hands it over

    ResumeStudy().on_multirun_start(config)

    states = [t.state for t in optuna.load_study(study_name="s", storage=storage).trials]
    assert states == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL]
    assert config.hydra.sweeper.n_trials == 3, "6 − 3 finished; the interrupted trial is run again"
    assert os.environ[TRIAL_OFFSET] == "4", "the next job is Optuna trial 4"
    assert config.hydra.sweeper.sampler.seed == 7 + 4, "a new seed: the old one would propose the same points"


def test_a_new_study_starts_at_trial_zero_and_makes_its_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(TRIAL_OFFSET, "5")
    database = tmp_path / "search" / "s" / "study.db"
    config = sweeper_config(f"sqlite:///{database}", n_trials=4)
    ResumeStudy().on_multirun_start(config)
    assert os.environ[TRIAL_OFFSET] == "0" and config.hydra.sweeper.n_trials == 4
    assert database.parent.is_dir(), "Optuna creates the database, not its folder"


def test_a_missing_plugin_names_the_extra_to_install():
    expected = {
        "hydra/sweeper/optuna": "hydra/sweeper=optuna needs Hydra's Optuna sweeper, which is not installed; "
        "pip install 'genlab[sweeps]'",
        "hydra/launcher/submitit_slurm": "hydra/launcher=submitit_slurm needs Hydra's submitit launcher, which is "
        "not installed; pip install 'genlab[slurm]'",
    }
    for missing, line in expected.items():
        exc = MissingConfigException(f"In 'hparams_search/optuna': Could not find '{missing}'", missing, ["basic"])
        assert describe(exc) == line


@pytest.mark.slow
def test_an_optuna_search_resumes_from_its_database_and_goes_on_past_failed_trials(workdir, tmp_path):
    out = tmp_path / "out"
    search = ["train", "-m", "hparams_search=vae_digits", *TINY]
    run_cli(*search, "hydra.sweeper.n_trials=2", cwd=workdir, output_root=out)
    folder = out / "search" / "vae_digits"
    assert (folder / "study.db").is_file()

    # the same search again with a larger budget, and a learning rate genlab refuses
    second = run_cli(*search, "hydra.sweeper.n_trials=5", "optimizer.lr=-1.0", cwd=workdir, output_root=out)
    assert "resuming search 'vae_digits'" in second.stdout and "2 of 5 trials done; 3 to run" in second.stdout

    trials = optuna.load_study(study_name="vae_digits", storage=f"sqlite:///{folder / 'study.db'}").trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL] * 3, "2 + 3 trials, not 2 + 5"
    assert second.returncode == 1 and "genlab: 3 of 3 sweep jobs failed:" in second.stderr, second.stderr[-2000:]
    assert [line.split(" (")[0] for line in second.stderr.splitlines() if line.startswith("  job ")] == [
        "  job 2",
        "  job 3",
        "  job 4",
    ], "numbered as the study's trials"
    points = [tuple(sorted(t.params.items())) for t in trials]
    assert not set(points[:2]) & set(points[2:]), "the resumed search proposed the first invocation's points again"
    assert [p.name for p in run_dirs(folder)] == ["0-vae-digits", "1-vae-digits"], "refused trials leave no folder"
    assert all((run / "checkpoints" / "last.ckpt").is_file() for run in run_dirs(folder))
    best = OmegaConf.load(folder / "optimization_results.yaml")
    assert best.best_value == min(t.value for t in trials[:2])

    # a search none of whose trials finishes ends with the list of failures, not Optuna's traceback
    broken = run_cli(
        *search,
        "hydra.sweeper.study_name=broken",
        "hydra.sweeper.n_trials=2",
        "optimizer.lr=-1.0",
        cwd=workdir,
        output_root=out,
    )
    assert broken.returncode == 1 and "Traceback" not in broken.stderr, broken.stderr[-2000:]
    assert "genlab: 2 of 2 sweep jobs failed:" in broken.stderr


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["submitit_local", "joblib"])
def test_a_launcher_that_runs_jobs_in_other_processes_runs_and_reports_a_sweep(launcher, workdir, tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        "train", "-m", f"hydra/launcher={launcher}", "model.latent_dim=2,4,-1", *TINY, cwd=workdir, output_root=out
    )
    assert result.returncode == 1, result.stderr[-3000:]
    runs = run_dirs(out / "multirun")
    assert [p.name.split("-")[0] for p in runs] == ["0", "1"], runs
    assert all((run / "checkpoints" / "last.ckpt").is_file() for run in runs)
    (sweep,) = (out / "multirun").iterdir()  # one folder for every job, whatever process ran it

    # the launching process reports the jobs that ran elsewhere, as it does its own
    table = result.stdout[result.stdout.index("genlab: sweep of 3 jobs in") :].splitlines()
    assert table[0].endswith(f"{sweep}: 2 finished, 1 failed"), table
    assert [row.split()[:2] for row in table[2:]] == [["0", "finished"], ["1", "finished"], ["2", "failed"]]
    failures = result.stderr[result.stderr.index("genlab: 1 of 3 sweep jobs failed:") :].splitlines()
    assert failures[1].startswith("  job 2 (") and "model.latent_dim=-1 is invalid" in failures[1], failures


@pytest.mark.slow  # a CLI start-up
def test_the_slurm_launcher_is_refused_in_one_line_off_the_cluster(workdir, tmp_path):
    result = run_cli("train", "-m", "hydra/launcher=slurm", "model.latent_dim=2,4", cwd=workdir, output_root=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [
        "genlab: error: hydra/launcher=slurm submits jobs with SLURM's sbatch and srun, which are not on this "
        "machine's PATH; run the command on the cluster's login node, or try the sweep here with "
        "hydra/launcher=submitit_local"
    ]
    assert not list(workdir.iterdir()) and not list(tmp_path.glob("multirun"))


class SubmittedError(Exception):
    """Stands in for sbatch: carries the submission script submitit wrote."""


@pytest.fixture
def fake_slurm(tmp_path, monkeypatch):
    """sbatch and srun on the PATH, and submitit's submission stopped with the script it wrote."""

    def capture(executor: submitit.AutoExecutor, *args: object) -> None:
        raise SubmittedError(executor._executor._make_submission_file_text("genlab-job", "uid"))

    slurm = tmp_path / "slurm-bin"
    slurm.mkdir()
    for tool in ("sbatch", "srun"):  # submitit looks for srun; genlab refuses a machine without both
        (slurm / tool).write_text("#!/bin/sh\nexit 1\n")
        (slurm / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{slurm}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(submitit.AutoExecutor, "map_array", capture)
    monkeypatch.setenv("GENLAB_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.chdir(tmp_path)


def submitted_script(overrides: list[str]) -> str:
    with pytest.raises(SubmittedError) as submitted:
        train_app.run(["-m", "hydra/launcher=slurm", *overrides, "model.latent_dim=2,4"])
    return str(submitted.value)


def test_the_slurm_launcher_writes_the_requested_resources_into_the_sbatch_script(fake_slurm, tmp_path):
    script = submitted_script(
        [
            "hydra.launcher.partition=gpu-long",
            "hydra.launcher.timeout_min=90",
            "trainer=ddp",
            "trainer.devices=4",
            "trainer.num_nodes=2",
        ]
    )
    for line in (
        "#SBATCH --partition=gpu-long",
        "#SBATCH --time=90",
        "#SBATCH --nodes=2",
        "#SBATCH --ntasks-per-node=4",
        "#SBATCH --gpus-per-node=4",
        "#SBATCH --signal=USR2@120",
    ):
        assert line in script, script
    assert "srun" in script and Path(tmp_path / "out" / "multirun").is_dir()


@pytest.mark.parametrize(
    ("trainer", "tasks", "gpus"),
    [
        (["trainer=gpu", "trainer.devices=[0,1,2]"], 3, 3),  # a list of devices: one task per entry
        (["trainer=cpu"], 1, None),  # a CPU trainer asks for no GPU
        (["trainer=ddp_cpu"], 2, None),
    ],
)
def test_the_slurm_launcher_asks_for_the_trainers_devices(fake_slurm, trainer, tasks, gpus):
    script = submitted_script(trainer)
    assert f"#SBATCH --ntasks-per-node={tasks}" in script, script
    if gpus is None:
        assert "--gpus-per-node" not in script and "--gres" not in script, script
    else:
        assert f"#SBATCH --gpus-per-node={gpus}" in script, script


def test_the_slurm_launcher_refuses_a_device_count_only_the_node_knows(fake_slurm, tmp_path, capsys):
    status = train_app.run(["-m", "hydra/launcher=slurm", "trainer=ddp", "model.latent_dim=2,4"])  # devices: -1
    assert status == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "genlab: error: hydra/launcher=slurm asks SLURM for one task per device, so trainer.devices=-1 must be a "
        "number of devices per node (or a list of them); e.g. trainer.devices=4"
    ]
    assert not list((tmp_path / "out").glob("multirun/*/*")), "nothing was submitted"
