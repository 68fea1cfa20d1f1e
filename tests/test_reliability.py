"""Runs survive what happens to them: SIGTERM, kill -9 at random steps, a second process in the
same run directory, a checkpoint a crash left unreadable, a write that fails half-way."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import lightning as L
import pytest
import torch
from omegaconf import OmegaConf

from genlab.atomic import write_atomically
from genlab.checkpoint import read_checkpoint
from genlab.errors import GenlabError
from genlab.run.resume import resume_args
from genlab.run.train import assemble, train
from tests.conftest import GENLAB, QUIET, compose_train, fit, run_cli, run_dirs
from tests.e2e import load

# a tiny VAE (16-px digits, 25 batches an epoch): a step takes milliseconds
TINY = ["dataset.image_size=16", "seed=3"]
CLI_QUIET = ["callbacks=minimal", "logger=none", "trainer.enable_progress_bar=false"]


OTHER_FILESYSTEM = Path("/dev/shm")  # a tmpfs: another filesystem than pytest's temporary folders


def start(args: list[str], cwd: Path, output_root: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("GENLAB_SUBCOMMAND", "LOCAL_RANK")}
    env["GENLAB_OUTPUT_DIR"] = str(output_root)
    if OTHER_FILESYSTEM.is_dir():
        env["TMPDIR"] = str(OTHER_FILESYSTEM)  # the system temp dir on another filesystem must not matter
    return subprocess.Popen(
        [GENLAB, "train", *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def wait_for_new_save(path: Path, after: float, process: subprocess.Popen, timeout: float = 120) -> bool:
    """Wait until `path` is rewritten after time `after`; False if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and path.stat().st_mtime > after:
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    raise TimeoutError(f"{path} was not written within {timeout} s")


def straight_weights(tmp_path: Path, steps: int) -> dict:
    return fit(["model=vae", *TINY, f"trainer.max_steps={steps}"], tmp_path / "straight").model.state_dict()


def assert_same_weights(expected: dict, checkpoint: dict) -> None:
    actual = {k.removeprefix("model."): v for k, v in checkpoint["state_dict"].items()}
    for key, value in expected.items():
        assert torch.equal(value, actual[key]), key


@pytest.mark.slow
def test_sigterm_saves_the_step_it_stopped_at_exits_143_and_resume_continues(workdir, tmp_path):
    out = tmp_path / "outputs"
    args = ["model=vae", *TINY, *CLI_QUIET, "trainer.max_steps=100000"]
    process = start([*args, "callbacks.last_checkpoint.every_n_train_steps=7"], workdir, out)
    (run,) = wait_for_run(out, process)
    wait_for_new_save(run / "checkpoints" / "last.ckpt", 0, process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr[-2000:]
    line = stderr.strip().splitlines()[-1]
    assert line.startswith("genlab: stopped by SIGTERM at step ") and f"resume={run}" in line, line
    stopped = int(line.split("at step ")[1].split(";")[0])
    assert load(run / "checkpoints" / "last.ckpt")["global_step"] == stopped

    total = stopped + 9  # ends mid-epoch too, most of the time
    resumed = run_cli("train", f"resume={run}", f"trainer.max_steps={total}", cwd=workdir)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "run finished in" in (run / "train.log").read_text() and not (run / "train_app.log").exists()
    assert_same_weights(straight_weights(tmp_path, total), load(run / "checkpoints" / "last.ckpt"))


@pytest.mark.slow
def test_five_random_kill_9_then_resume_end_at_the_uninterrupted_weights(workdir, tmp_path):
    """Five kills at random moments, each resumed by a new CLI start (most of the time: each start
    imports Lightning), with TMPDIR on another filesystem than the run: after every kill last.ckpt
    is a whole, readable checkpoint (it is written beside itself and renamed, never staged in
    TMPDIR, whence a rename would be a copy). scripts/stress_kill_resume.py runs many more."""
    out, total, kills = tmp_path / "outputs", 80, 0
    rng = random.Random(0)
    args = ["model=vae", *TINY, *CLI_QUIET, f"trainer.max_steps={total}"]
    process = start([*args, "callbacks.last_checkpoint.every_n_train_steps=4"], workdir, out)
    (run,) = wait_for_run(out, process)
    if not OTHER_FILESYSTEM.is_dir() or OTHER_FILESYSTEM.stat().st_dev == run.stat().st_dev:
        pytest.skip(f"{OTHER_FILESYSTEM} is not another filesystem than {run} here")
    last = run / "checkpoints" / "last.ckpt"
    while kills < 5:
        if not wait_for_new_save(last, last.stat().st_mtime if last.is_file() else 0, process):
            break  # the run finished before the next kill
        time.sleep(rng.uniform(0, 0.15))
        process.kill()
        process.wait()
        kills += 1
        files = sorted(p.name for p in (run / "checkpoints").iterdir())
        assert files == ["last.ckpt"] or files[0].startswith(".last.ckpt."), files  # at most a temp file
        assert read_checkpoint(last)["global_step"] > 0  # whole and readable, TMPDIR elsewhere or not
        process = start([f"resume={run}"], workdir, out)
    assert process.wait(timeout=300) == 0, process.stderr.read()[-2000:]
    assert kills >= 3, f"only {kills} kills landed before the run finished"
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["last.ckpt"], "no temp file or copy left"
    final = load(last)
    assert final["global_step"] == total
    assert_same_weights(straight_weights(tmp_path, total), final)


def wait_for_run(output_root: Path, process: subprocess.Popen, timeout: float = 120) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dirs := run_dirs(output_root):
            return dirs
        if process.poll() is not None:
            raise AssertionError(process.stderr.read()[-2000:])
        time.sleep(0.05)
    raise TimeoutError("no run directory appeared")


def saved_run(tmp_path: Path) -> Path:
    """A finished run directory (config + checkpoints), as `genlab train` leaves it."""
    quiet = [o for o in QUIET if not o.startswith("callbacks=")]
    overrides = [*quiet, "callbacks=[minimal,checkpoint]", "model=vae", *TINY, "trainer.max_steps=30"]
    cfg = compose_train(overrides, tmp_path)
    (tmp_path / ".hydra").mkdir(parents=True)
    OmegaConf.save(cfg, tmp_path / ".hydra" / "config.yaml")
    run = assemble(cfg)
    run.trainer.fit(run.model, datamodule=run.datamodule)
    return tmp_path


def test_a_second_process_in_a_run_directory_is_refused(tmp_path):
    run = saved_run(tmp_path / "run")
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from genlab.run.lock import hold_run_lock; hold_run_lock({str(run)!r}); input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)  # the holder imports genlab and takes the lock
        assert holder.poll() is None
        with pytest.raises(GenlabError, match=r"another genlab process is training in this run directory"):
            resume_args(str(run), [])
        assert not list((run / ".hydra").glob("resumed-*")), "the refused resume wrote nothing"
    finally:
        holder.communicate("\n", timeout=30)


def test_resume_passes_over_a_truncated_last_checkpoint_for_the_newest_readable_one(tmp_path, capsys):
    run = saved_run(tmp_path / "run")
    last = run / "checkpoints" / "last.ckpt"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])
    (best,) = (run / "checkpoints").glob("best-*.ckpt")
    args = resume_args(str(run), [])
    assert f'ckpt_path="{best}"' in args
    assert f"last.ckpt unreadable; resuming from {best.name}" in capsys.readouterr().err
    best.write_bytes(b"")
    with pytest.raises(GenlabError, match=r"no readable checkpoint in .*last.ckpt, best-"):
        resume_args(str(run), [])


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "last.ckpt"
    target.write_bytes(b"old")

    def fail(file) -> None:
        file.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]


class SignalAtStep(L.Callback):
    """Sends this process a signal after a training step, as SLURM signals a job near its time
    limit; records the step each start of the job trains from."""

    starts: ClassVar[list[int]] = []

    def __init__(self, step: int, signum: int) -> None:
        self.step, self.signum = step, signum

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        SignalAtStep.starts.append(trainer.global_step)

    def on_train_batch_end(self, trainer: L.Trainer, *args: object) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), self.signum)


@pytest.mark.slow
def test_sigusr2_saves_then_hands_on_to_the_requeue_handler_and_the_requeued_job_continues_exactly(
    tmp_path, monkeypatch
):
    run_dir, total = tmp_path / "run", 12
    run_dir.mkdir()
    job = ["model=vae", *TINY, *QUIET, f"trainer.max_steps={total}"]
    usr2 = [f"+callbacks.usr2._target_={__name__}.SignalAtStep", "+callbacks.usr2.step=5", "+callbacks.usr2.signum=12"]
    requeued: list[int] = []
    SignalAtStep.starts.clear()
    submitit_handler = signal.signal(signal.SIGUSR2, lambda signum, frame: requeued.append(signum))
    try:
        with pytest.raises(SystemExit) as stopped:
            train(compose_train([*job, *usr2], run_dir))
    finally:
        signal.signal(signal.SIGUSR2, submitit_handler)
    assert stopped.value.code == 128 + signal.SIGUSR2
    assert requeued == [signal.SIGUSR2], "submitit's handler (the requeue) runs once, after the save"
    saved = load(run_dir / "checkpoints" / "last.ckpt")["global_step"]
    assert 5 <= saved <= 6, "saved at the next step boundary"

    # SLURM starts the same job again in the same folder, counting the restart
    monkeypatch.setenv("SLURM_RESTART_COUNT", "1")
    train(compose_train([*job, *usr2], run_dir))
    assert SignalAtStep.starts == [0, saved], "the requeued job continued from the saved step, not from 0"
    assert_same_weights(straight_weights(tmp_path, total), load(run_dir / "checkpoints" / "last.ckpt"))
