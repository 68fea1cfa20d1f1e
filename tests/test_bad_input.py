"""The mistakes people really make, as a table: each one, typed at the real `genlab` command, gives
a non-zero exit, one `genlab: error:` line naming the value (and the fix), no traceback, no new
directory, and leaves every file that was already there as it was — a finished run included."""

import hashlib
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

UNWRITABLE = "/sys/genlab-cannot-write-here"  # refused even for root, unlike a chmod'ed folder
TINY_RUN = ["model=vae", "dataset.image_size=16", "trainer.max_steps=4", "logger=none", "callbacks=minimal"]

# (id, command line, a fragment the one error line must hold)
CASES = [
    ("negative-lr", ["train", "optimizer.lr=-1"], "optimizer.lr=-1 is invalid"),
    ("zero-latent", ["train", "model.latent_dim=0"], "model.latent_dim=0 is invalid"),
    ("negative-latent", ["train", "model.latent_dim=-3"], "model.latent_dim=-3 is invalid"),
    ("text-latent", ["train", "model.latent_dim=abc"], "model.latent_dim=abc is invalid"),
    ("text-seed", ["train", "seed=abc"], "seed=abc is invalid"),
    ("text-epochs", ["train", "trainer.max_epochs=abc"], "trainer.max_epochs=abc is invalid"),
    ("negative-epochs", ["train", "trainer.max_epochs=-5"], "trainer.max_epochs=-5 is invalid"),
    ("negative-steps", ["train", "trainer.max_steps=-7"], "trainer.max_steps=-7 is invalid"),
    ("negative-workers", ["train", "dataset.num_workers=-1"], "dataset.num_workers=-1 is invalid"),
    ("zero-batch", ["train", "dataset.batch_size=0"], "dataset.batch_size=0 is invalid"),
    ("text-image-size", ["train", "dataset.image_size=big"], "dataset.image_size=big is invalid"),
    ("val-fraction-one", ["train", "dataset.val_fraction=1"], "dataset.val_fraction=1 is invalid"),
    ("beta-above-one", ["train", "optimizer.betas=[0.9,1.5]"], "optimizer.betas[1]=1.5 is invalid"),
    ("progress-bar-maybe", ["train", "trainer.enable_progress_bar=maybe"], "trainer.enable_progress_bar=maybe"),
    ("zero-devices", ["train", "trainer.devices=0"], "trainer.devices=0 is invalid"),
    ("ema-decay-above-one", ["train", "model=dcgan", "model.ema_decay=1.5"], "model.ema_decay=1.5 is invalid"),
    ("negative-beta", ["train", "model=beta_vae", "model.beta=-4"], "model.beta=-4 is invalid"),
    ("image-folder-without-root", ["train", "dataset=image_folder"], "dataset.root is required"),
    ("image-folder-missing-root", ["train", "dataset=image_folder", "dataset.root=/nowhere"], "/nowhere"),
    ("unknown-model", ["train", "model=vea"], "did you mean model=vae?"),
    ("unknown-dataset", ["train", "dataset=mnst"], "did you mean dataset=mnist?"),
    ("unknown-optimizer", ["train", "optimizer=adm"], "did you mean optimizer=adam? choose one of adam, "),
    ("unknown-experiment", ["train", "experiment=nope"], "experiment=nope is not an option"),
    ("typo-trainer-key", ["train", "trainer.max_epoch=5"], "did you mean trainer.max_epochs?"),
    ("typo-model-key", ["train", "model.latent_dimm=3"], "did you mean model.latent_dim?"),
    ("unparsable-override", ["train", "model.latent_dim=["], "cannot parse the command line"),
    ("gpu-without-gpu", ["train", "trainer=gpu"], "needs a CUDA GPU"),
    ("mnist-offline", ["train", "dataset=mnist", "paths.data_dir=/nowhere"], "genlab download mnist data_dir="),
    ("conv-model-on-points", ["train", "model=vae", "dataset=toy2d"], "toy2d"),
    ("clip-on-a-gan", ["train", "model=dcgan", "trainer.gradient_clip_val=1"], "trainer.gradient_clip_val=1"),
    ("fid-without-evaluation", ["train", "model=dcgan", "optimized_metric=fid"], "optimized_metric=fid"),
    ("missing-ckpt-path", ["train", "ckpt_path=/nowhere/last.ckpt"], "/nowhere/last.ckpt"),
    ("garbage-ckpt-path", ["train", "ckpt_path={garbage}"], "garbage.ckpt"),
    ("resume-not-a-run", ["train", "resume=/nowhere"], "resume=/nowhere"),
    ("resume-other-model", ["train", "resume={run}", "model=dcgan"], "model=dcgan cannot apply"),
    ("resume-twice", ["train", "resume={run}", "resume={run}"], "more than once"),
    ("search-without-classifier", ["train", "-m", "hparams_search=dcgan_digits"], "callbacks.metrics.classifier=PATH"),
    (
        "sweep-missing-classifier",
        ["train", "-m", "model=dcgan", "evaluation=domain", "callbacks.metrics.classifier=/nowhere.ckpt", "seed=1,2"],
        "callbacks.metrics.classifier=/nowhere.ckpt: no such file",
    ),
    ("multirun-popen-ddp", ["train", "-m", "trainer=ddp_cpu"], "ddp_spawn"),
    ("output-dir-set-alone", ["train", "paths.output_dir=elsewhere/run"], "hydra.run.dir=elsewhere/run"),
    ("unwritable-output-root", ["train", f"paths.output_root={UNWRITABLE}"], UNWRITABLE),
    ("sample-without-ckpt", ["sample"], "ckpt"),
    ("sample-garbage", ["sample", "ckpt={garbage}"], "garbage.ckpt"),
    ("sample-unwritable-out", ["sample", "ckpt={last}", f"out={UNWRITABLE}/grid.png"], UNWRITABLE),
    ("sample-unknown-key", ["sample", "ckpt={last}", "nn=16"], "nn is not a key"),
    ("eval-garbage", ["eval", "ckpt={garbage}"], "garbage.ckpt"),
    ("eval-no-classifier", ["eval", "ckpt={last}", "metrics=[fid]"], "classifier"),
    ("list-unknown-group", ["list", "modle"], "unknown config group 'modle'"),
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder below `root`, with a digest of each file's bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture(scope="module")
def workplace(tmp_path_factory) -> dict[str, Path]:
    """A working directory that already holds a finished run and a file that is not a checkpoint."""
    cwd = tmp_path_factory.mktemp("cwd")
    env = {k: v for k, v in os.environ.items() if k not in ("GENLAB_SUBCOMMAND", "LOCAL_RANK", "GENLAB_OUTPUT_DIR")}
    result = run_cli("train", *TINY_RUN, cwd=cwd, extra_env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = (cwd / "outputs" / "vae-digits").iterdir()
    (cwd / "garbage.ckpt").write_bytes(b"not a checkpoint")
    return {"cwd": cwd, "run": run, "last": run / "checkpoints" / "last.ckpt", "garbage": cwd / "garbage.ckpt"}


@pytest.mark.slow
@pytest.mark.parametrize(("args", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_input_is_one_line_and_changes_nothing(workplace, args, fragment):
    cwd = workplace["cwd"]
    args = [a.format(**{k: str(v) for k, v in workplace.items()}) for a in args]
    before = snapshot(cwd)
    result = run_cli(*args, cwd=cwd, timeout=300)
    assert result.returncode != 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("genlab: error:")]
    assert len(errors) == 1, result.stderr[-3000:]
    assert fragment in errors[0], errors[0]
    assert snapshot(cwd) == before, "a refused command wrote, removed or changed a file"
