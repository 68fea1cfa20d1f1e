"""`genlab train` through the real CLI: what a run leaves on disk, sampling from it elsewhere,
runs that never collide, DDP on two CPU processes, and exact resume."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from PIL import Image

from tests.conftest import GENLAB, SMALL_STYLEGAN, run_cli, run_dirs
from tests.e2e import load, scalar_steps, tensorboard_tags
from tests.test_bad_input import snapshot
from tests.test_data import fake_celeba

pytestmark = pytest.mark.slow
QUICK = ["trainer.max_epochs=2", "callbacks.progress=null"]


def test_default_run_leaves_config_checkpoint_events_and_pngs(workdir, tmp_path):
    out = tmp_path / "outputs"
    result = run_cli("train", *QUICK, cwd=workdir, output_root=out)
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = run_dirs(out)
    assert run.parent.name == "vae-digits"
    assert (run / ".hydra" / "config.yaml").is_file()
    assert f"run finished in {run}" in result.stdout
    final = next(line for line in result.stdout.splitlines() if line.startswith("  final "))
    assert "val/elbo" in final and "  best         val/loss" in result.stdout
    summary = json.loads((run / "summary.json").read_text())  # the same numbers, for tools
    assert summary["step"] == 2 * (1617 // 64) and f"val/elbo {summary['final']['val/elbo']:.4g}" in final
    assert Path(summary["best"]["val/loss"]["checkpoint"]).is_file()
    log = (run / "train.log").read_text()  # the run's own log, not an empty file
    assert "`Trainer.fit` stopped: `max_epochs=2` reached" in log and f"genlab: run finished in {run}" in log
    printed = result.stdout + result.stderr + log
    for stream in (log, result.stdout + result.stderr):
        assert stream.count("`Trainer.fit` stopped") == 1, "each Lightning line once on the console and in the log"
    for noise in ("💡 Tip", "`weights_only` was not set", "LeafSpec"):
        assert noise not in printed, f"Lightning's {noise!r} line reached the user"

    checkpoint = load(run / "checkpoints" / "last.ckpt")
    assert checkpoint["genlab"]["config"]["model"]["_target_"] == "genlab.models.vae.VAE"
    assert checkpoint["global_step"] == 2 * (1617 // 64)
    assert any(key.startswith("encoder.") for key in checkpoint["state_dict"])
    assert "hyper_parameters" not in checkpoint, "no nn.Modules pickled as hyperparameters"
    assert list((run / "checkpoints").glob("best-*.ckpt"))

    tags = tensorboard_tags(run)
    assert {"train/loss_step", "val/elbo", "val/kl", "val/recon", "val/mse", "val/pca_mse"} <= set(tags["scalars"])
    assert "hp_metric" not in tags["scalars"]
    assert {"samples", "reconstructions"} <= set(tags["images"])
    assert len(list((run / "images" / "samples").glob("*.png"))) == 2
    assert not list(workdir.iterdir()), "nothing written outside the run directory"

    # sampling works from another directory with only the checkpoint file
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(run / "checkpoints" / "last.ckpt", elsewhere / "model.ckpt")
    sampled = run_cli("sample", "ckpt=model.ckpt", "n=16", "out=grid.png", cwd=elsewhere)
    assert sampled.returncode == 0, sampled.stderr[-2000:]
    from PIL import Image

    with Image.open(elsewhere / "grid.png") as image:
        assert image.size == (2 + 4 * 34, 2 + 4 * 34)  # 4×4 grid of 32-px digits with 2-px padding

    walk = run_cli("sample", "ckpt=model.ckpt", "mode=interpolate", "steps=6", "n=12", "truncation=0.7", cwd=elsewhere)
    assert walk.returncode == 0, walk.stderr[-2000:]
    with Image.open(elsewhere / "model_interpolation-slerp_psi0.7_n12_seed0.png") as image:
        assert image.size == (2 + 6 * 34, 2 + 2 * 34)  # 2 rows of 6 steps
    rows = run_cli("sample", "ckpt=model.ckpt", "mode=interpolate", "steps=5", "n=12", cwd=elsewhere)
    assert rows.returncode == 0, rows.stderr[-2000:]
    with Image.open(elsewhere / "model_interpolation-slerp_n10_seed0.png") as image:  # whole rows: 10 of 12
        assert image.size == (2 + 5 * 34, 2 + 2 * 34)
    bad = run_cli("sample", "ckpt=model.ckpt", "truncation=1.5", cwd=elsewhere)
    assert bad.returncode == 2 and "truncation=1.5 must be in (0, 1]" in bad.stderr


def test_autoencoder_sample_reconstructs_into_the_run_dir(workdir, tmp_path):
    out = tmp_path / "outputs"
    result = run_cli("train", "model=ae", "trainer.max_epochs=1", "callbacks=minimal", cwd=workdir, output_root=out)
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = run_dirs(out)
    sampled = run_cli("sample", f"ckpt={run / 'checkpoints' / 'last.ckpt'}", "n=8", cwd=workdir)
    assert sampled.returncode == 0, sampled.stderr[-2000:]
    assert (run / "samples" / "last_reconstructions_n8_seed0.png").is_file()


def test_runs_started_together_never_share_a_directory(workdir, tmp_path):
    out = tmp_path / "outputs"
    args = [GENLAB, "train", "trainer.max_epochs=1", "callbacks=minimal", "logger=none"]
    env = {**__import__("os").environ, "GENLAB_OUTPUT_DIR": str(out)}
    procs = [
        subprocess.Popen(args, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    dirs = run_dirs(out)
    assert len(dirs) == 3 and all(len(list((d / "checkpoints").glob("last.ckpt"))) == 1 for d in dirs)


def test_two_process_ddp_run_writes_one_run_dir_and_one_set_of_images(workdir, tmp_path):
    out = tmp_path / "outputs"
    result = run_cli("train", "trainer=ddp_cpu", *QUICK, cwd=workdir, output_root=out)
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = run_dirs(out)
    per_rank = (1617 // 2) // 64
    assert load(run / "checkpoints" / "last.ckpt")["global_step"] == 2 * per_rank
    for tag in ("samples", "reconstructions"):
        assert len(list((run / "images" / tag).glob("*.png"))) == 2
    assert len(list((run / "tensorboard").glob("events.out.*"))) == 1


def test_two_process_ddp_dcgan_run(workdir, tmp_path):
    """G and D in one module under DDP: critic steps leave G unused, which DDP must be told."""
    out = tmp_path / "outputs"
    small = ["dataset.image_size=16", "model.generator.width=16", "model.discriminator.width=16"]
    result = run_cli("train", "model=dcgan", "trainer=ddp_cpu", *small, *QUICK, cwd=workdir, output_root=out)
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = run_dirs(out)
    per_rank = (1617 // 2) // 64
    assert load(run / "checkpoints" / "last.ckpt")["global_step"] == 2 * per_rank * 2  # a D and a G step per batch
    assert len(list((run / "images" / "samples").glob("*.png"))) == 2


def test_two_process_ddp_stylegan2_run(workdir, tmp_path):
    """R1 and the path-length term differentiate through input gradients (create_graph) under DDP;
    both are made due often, so several of each run on both ranks."""
    out = tmp_path / "outputs"
    tiny = [*SMALL_STYLEGAN, "model.regularisers.r1.every=2", "model.path_length.every=2"]
    result = run_cli("train", "trainer=ddp_cpu", *tiny, *QUICK, cwd=workdir, output_root=out)
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = run_dirs(out)
    per_rank = (1617 // 2) // 32
    assert load(run / "checkpoints" / "last.ckpt")["global_step"] == 2 * per_rank * 2  # 2 epochs, D + G steps
    state = load(run / "checkpoints" / "last.ckpt")["state_dict"]
    assert state["path_length.mean"] > 0 and state["generator.w_avg"].abs().sum() > 0


def test_dcgan_on_a_local_celeba_folder(workdir, tmp_path):
    """`genlab train model=dcgan dataset=celeba` on the public aligned-CelebA layout, no network."""
    fake_celeba(tmp_path / "data")
    small = ["model.generator.width=8", "model.discriminator.width=8", "dataset.batch_size=8", "dataset.num_workers=0"]
    args = ["model=dcgan", "dataset=celeba", f"paths.data_dir={tmp_path / 'data'}", *small, *QUICK]
    result = run_cli("train", *args, cwd=workdir, output_root=tmp_path / "outputs")
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = run_dirs(tmp_path / "outputs")
    assert run.parent.name == "dcgan-celeba"
    assert load(run / "checkpoints" / "last.ckpt")["global_step"] == 2 * 2 * (30 // 8)  # D + G step per batch
    (grid,) = sorted((run / "images" / "samples").glob("*.png"))[-1:]
    with Image.open(grid) as image:
        assert image.mode == "RGB" and image.width > 8 * 64  # 8 columns of 64-px faces


def test_resume_equals_uninterrupted_training(workdir, tmp_path):
    out = tmp_path / "outputs"
    common = ["callbacks.progress=null", "seed=7"]
    straight = run_cli("train", "trainer.max_epochs=4", *common, cwd=workdir, output_root=out / "a")
    assert straight.returncode == 0, straight.stderr[-2000:]
    first = run_cli("train", "trainer.max_epochs=2", *common, cwd=workdir, output_root=out / "b")
    assert first.returncode == 0, first.stderr[-2000:]
    (run_a,) = run_dirs(out / "a")
    (run_b,) = run_dirs(out / "b")
    resumed = run_cli("train", f"resume={run_b}", "trainer.max_epochs=4", cwd=workdir, output_root=out / "b")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert run_dirs(out / "b") == [run_b], "resume continues the same directory"

    a, b = load(run_a / "checkpoints" / "last.ckpt"), load(run_b / "checkpoints" / "last.ckpt")
    assert a["global_step"] == b["global_step"] == 4 * (1617 // 64)
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key

    steps_a, steps_b = scalar_steps(run_a, "train/loss_step"), scalar_steps(run_b, "train/loss_step")
    assert sorted(steps_b) == sorted(set(steps_b)) == sorted(steps_a), "one continuous log, no repeats"
    assert len(list((run_b / ".hydra").glob("resumed-*"))) == 1

    before = snapshot(run_b)
    again = run_cli("train", f"resume={run_b}", cwd=workdir, output_root=out / "b")
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stderr.strip().splitlines() == [
        f"genlab: resume={run_b}: the run is complete at step {4 * (1617 // 64)} (4 epochs done; its "
        "trainer.max_epochs is 2), so there is nothing to train; to train on, pass a larger limit: genlab train "
        f"resume={run_b} trainer.max_epochs=8"
    ]
    assert snapshot(run_b) == before, "resuming a complete run changes none of its files"
