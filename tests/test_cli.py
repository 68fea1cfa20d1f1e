"""The `genlab` command as a user meets it: help, listing, and every bad input a clear error.

Each bad input must give a one- or two-line message naming the value and the fix, a non-zero
exit, and write nothing outside the output root (the working directory stays empty).
"""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import run_cli, run_dirs


def assert_clean_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_help_lists_subcommands_without_importing_torch():
    code = "import sys; from genlab.cli import main; main(['--help']); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "train" in result.stdout and "sample" in result.stdout and "list" in result.stdout
    assert result.stdout.strip().endswith("False")


def test_list_shows_models_with_descriptions(workdir):
    result = run_cli("list", "model", cwd=workdir)
    assert result.returncode == 0
    for name in ("ae", "sparse_ae", "denoising_ae", "contractive_ae", "stacked_ae", "vae", "beta_vae"):
        assert any(line.split()[0] == name for line in result.stdout.splitlines()[1:]), name
    assert "β-VAE" in result.stdout
    assert_clean_error(run_cli("list", "modle", cwd=workdir), "unknown config group 'modle'", "model")


def test_unknown_command_is_refused(workdir):
    assert_clean_error(run_cli("trian", cwd=workdir), "unknown command 'trian'", "train")


def test_unknown_model_is_one_line_with_the_nearest_choice_and_all_choices(workdir, tmp_path):
    result = run_cli("train", "model=vea", cwd=workdir, output_root=tmp_path / "out")
    assert_clean_error(result, "model=vea is not an option of 'model'; did you mean model=vae?", "beta_vae, bigan")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out").exists() and not list(workdir.iterdir())


@pytest.mark.slow
def test_a_sweep_runs_every_job_and_lists_each_failure(workdir, tmp_path):
    out = tmp_path / "out"
    tiny = ["dataset.image_size=16", "trainer.max_steps=3", "logger=none", "callbacks=minimal"]
    # overrides after the flag too: genlab puts --multirun first for Hydra's parser
    result = run_cli("train", "model.latent_dim=0,2,-3", "--multirun", *tiny, cwd=workdir, output_root=out)
    assert result.returncode == 1, result.stderr[-2000:]
    summary = result.stderr[result.stderr.index("genlab: 2 of 3 sweep jobs failed:") :].splitlines()
    assert summary[1].startswith("  job 0 (") and "): model.latent_dim=0 is invalid" in summary[1], summary
    assert summary[2].startswith("  job 2 (") and "): model.latent_dim=-3 is invalid" in summary[2], summary
    assert len(summary) == 3, summary
    (sweep,) = (out / "multirun").iterdir()
    table = result.stdout[result.stdout.index("genlab: sweep of 3 jobs in") :].splitlines()
    assert table[0].endswith(f"{sweep}: 1 finished, 2 failed"), table
    assert [row.split() for row in table[1:]] == [
        ["job", "status", "returned", "overrides"],  # each job's own: the shared tiny settings left out
        ["0", "failed", "-", "model.latent_dim=0"],
        ["1", "finished", "-", "model.latent_dim=2"],  # 3 steps: no validation, so no val/loss to return
        ["2", "failed", "-", "model.latent_dim=-3"],
    ], table
    assert sorted(p.name for p in sweep.iterdir()) == [".genlab", "1-vae-digits", "multirun.yaml"], (
        "refused jobs left no folder; the job records are in .genlab/"
    )
    assert (sweep / "1-vae-digits" / "checkpoints" / "last.ckpt").is_file()


@pytest.mark.slow  # a CLI start-up, as test_bad_input's same refusal: both run in the full suite
def test_offline_mnist_names_directory_and_script(workdir, tmp_path):
    out = tmp_path / "out"
    result = run_cli("train", "dataset=mnist", f"paths.data_dir={tmp_path / 'data'}", cwd=workdir, output_root=out)
    assert_clean_error(result, f"not found under {tmp_path / 'data'}", "genlab download mnist data_dir=")
    assert result.stderr.strip().splitlines()[-1].startswith("genlab: error: dataset 'mnist' not found")
    assert not list(workdir.iterdir())
    assert not list(out.rglob("*.ckpt"))


def test_channel_mismatch_is_caught_before_training(workdir, tmp_path):
    out = tmp_path / "out"
    result = run_cli("train", "model.data_shape=[3,32,32]", cwd=workdir, output_root=out)
    assert_clean_error(result, "built for 3×32×32 inputs but dataset 'digits' yields 1×32×32")
    assert not list(out.rglob("*.ckpt")) and not list(out.rglob("events.out.*"))


@pytest.mark.slow  # a CLI start-up with torch; the channel-mismatch test keeps the path in the fast suite
def test_size_mismatch_names_the_fix(workdir, tmp_path):
    result = run_cli("train", "model=dcgan", "dataset.image_size=4", cwd=workdir, output_root=tmp_path / "o")
    assert_clean_error(result, "DCGAN needs square images of side 8 or more, got 4×4", "dataset.image_size")


@pytest.mark.slow  # several CLI start-ups (torch imports): the full suite runs it
def test_missing_and_corrupt_ckpt_path(workdir, tmp_path):
    missing = run_cli("train", f"ckpt_path={tmp_path / 'nope.ckpt'}", cwd=workdir, output_root=tmp_path / "o")
    assert_clean_error(missing, "nope.ckpt: no such file")
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(b"\x80\x04not a checkpoint")
    result = run_cli("train", f"ckpt_path={corrupt}", cwd=workdir, output_root=tmp_path / "o")
    assert_clean_error(result, "is not a readable checkpoint")
    assert corrupt.read_bytes() == b"\x80\x04not a checkpoint", "the user's file is left as it was"


@pytest.mark.slow  # several CLI start-ups (torch imports): the full suite runs it
def test_sample_refuses_foreign_checkpoints(workdir, tmp_path):
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, foreign)
    assert_clean_error(run_cli("sample", f"ckpt={foreign}", cwd=workdir), "is not a genlab checkpoint")
    assert_clean_error(run_cli("sample", cwd=workdir), "needs ckpt=PATH")
    assert not list(workdir.iterdir())


@pytest.mark.slow  # a CLI start-up with torch: the full suite runs it
def test_multirun_with_popen_ddp_is_refused(workdir, tmp_path):
    out = tmp_path / "out"
    result = run_cli("train", "-m", "trainer=ddp_cpu", "model.latent_dim=2,4", cwd=workdir, output_root=out)
    assert_clean_error(result, "would re-run the whole sweep in every rank", "trainer.strategy=ddp_spawn")
    assert not list(out.rglob("*.ckpt"))


def test_resume_needs_a_run_directory(workdir, tmp_path):
    result = run_cli("train", f"resume={tmp_path}", cwd=workdir)
    assert_clean_error(result, "config.yaml not found", "run directory written by `genlab train`")
    assert run_dirs(tmp_path) == [] and not list(Path(workdir).iterdir())


@pytest.mark.slow  # a CLI start-up, as test_bad_input's same refusal: both run in the full suite
def test_gradient_clipping_is_refused_for_gans(workdir, tmp_path):
    result = run_cli("train", "model=gan", "trainer.gradient_clip_val=1.0", cwd=workdir, output_root=tmp_path / "o")
    assert_clean_error(result, "trainer.gradient_clip_val=1.0 cannot apply to 'gan'", "model/regulariser=[clip]")
