"""A diverging run stops at its first non-finite term with one line, exits non-zero, and leaves
only finite checkpoints; commands refuse a checkpoint whose weights are not finite."""

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from genlab.callbacks.finite_guard import first_non_finite_weight, non_finite, weights_finite
from genlab.checkpoint import read_checkpoint
from genlab.errors import GenlabError
from genlab.run.sample import sample
from genlab.run.train import assemble
from tests.conftest import QUIET, compose_command, compose_train, fit, run_cli, run_dirs

SMALL = ["dataset.image_size=16"]


def poison(module: torch.nn.Module) -> None:
    with torch.no_grad():
        next(module.parameters()).view(-1)[0] = float("nan")


class PoisonWeight(L.Callback):
    """Sets one weight to NaN before training step `at`."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if trainer.global_step == self.at:
            poison(pl_module)


class PoisonAfterStep(L.Callback):
    """Sets one weight to NaN once `at` steps have ended, as a diverging optimiser step would,
    leaving that step's terms finite."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.at:
            poison(pl_module)


def test_a_run_stops_at_the_first_non_finite_step_and_keeps_the_last_finite_checkpoint(tmp_path):
    cfg = compose_train([*QUIET, "model=vae", *SMALL, "trainer.max_epochs=3"], tmp_path)
    run = assemble(cfg)
    steps_per_epoch = len(run.datamodule.train_dataloader())
    run.trainer.callbacks.append(PoisonWeight(at=steps_per_epoch + 3))
    diverged = rf"training diverged at step {steps_per_epoch + 4}: non-finite .*train/elbo"
    with pytest.raises(GenlabError, match=diverged):
        run.trainer.fit(run.model, datamodule=run.datamodule)
    last = read_checkpoint(tmp_path / "checkpoints" / "last.ckpt")  # refuses non-finite weights
    assert last["global_step"] == steps_per_epoch, "last.ckpt is the end of the first epoch"


class ValidationSteps(L.Callback):
    """The step at which each validation batch ran."""

    def __init__(self) -> None:
        self.steps: list[int] = []

    def on_validation_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=0) -> None:
        self.steps.append(trainer.global_step)


@pytest.mark.parametrize("validation", [True, False])
def test_weights_left_non_finite_by_an_epochs_last_step_stop_the_run_before_validation_or_a_checkpoint(
    tmp_path, validation
):
    no_validation = [] if validation else ["+trainer.limit_val_batches=0"]
    cfg = compose_train([*QUIET, "model=vae", *SMALL, "trainer.max_epochs=3", *no_validation], tmp_path)
    run = assemble(cfg)
    steps_per_epoch = len(run.datamodule.train_dataloader())
    validated = ValidationSteps()
    run.trainer.callbacks[:0] = [PoisonAfterStep(at=2 * steps_per_epoch), validated]  # as the optimiser step would
    diverged = rf"training diverged at step {2 * steps_per_epoch}: non-finite weight encoder\."
    with pytest.raises(GenlabError, match=diverged):
        run.trainer.fit(run.model, datamodule=run.datamodule)
    assert sorted(set(validated.steps)) == ([0, steps_per_epoch] if validation else [])  # sanity check, epoch 1
    last = read_checkpoint(tmp_path / "checkpoints" / "last.ckpt")  # refuses non-finite weights
    assert last["global_step"] == steps_per_epoch


@pytest.mark.parametrize("weights_only", [True, False])
def test_a_checkpoint_written_mid_epoch_never_holds_weights_a_step_left_non_finite(tmp_path, weights_only):
    """Every step's checkpoint, full or weights only: the weights are checked before it is written."""
    run = assemble(compose_train([*QUIET, "model=vae", *SMALL, "trainer.max_epochs=1"], tmp_path))
    steps = tmp_path / "steps"
    every_step = ModelCheckpoint(steps, every_n_train_steps=1, save_top_k=-1, save_weights_only=weights_only)
    run.trainer.callbacks[:0] = [PoisonAfterStep(at=3)]  # first, as the optimiser step comes before any hook
    run.trainer.callbacks.append(every_step)
    with pytest.raises(GenlabError, match=r"training diverged at step 3: non-finite weight encoder\."):
        run.trainer.fit(run.model, datamodule=run.datamodule)
    written = sorted(steps.glob("*.ckpt"))
    assert [c.name for c in written] == ["epoch=0-step=1.ckpt", "epoch=0-step=2.ckpt"]
    for checkpoint in written:
        weights = torch.load(checkpoint, weights_only=True)["state_dict"].values()
        assert all(torch.isfinite(w).all() for w in weights), checkpoint.name


@pytest.mark.slow
def test_a_huge_learning_rate_ends_in_one_line_and_no_nan_checkpoint(tmp_path):
    args = ["optimizer.lr=1e6", *SMALL, "trainer.max_epochs=2", "logger=none", "trainer.enable_progress_bar=false"]
    result = run_cli("train", *args, cwd=tmp_path, output_root=tmp_path / "outputs")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("genlab: error: training diverged at step 2: non-finite train/"), lines[-3:]
    assert "run finished" not in result.stdout
    (run,) = run_dirs(tmp_path / "outputs")
    for ckpt in (run / "checkpoints").glob("*.ckpt") if (run / "checkpoints").exists() else []:
        read_checkpoint(ckpt)  # raises on non-finite weights


def test_sample_and_resume_refuse_non_finite_weights(tmp_path):
    fit(["model=vae", *SMALL, "trainer.max_epochs=1"], tmp_path / "run")
    checkpoint = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", weights_only=True)
    next(iter(checkpoint["state_dict"].values())).view(-1)[0] = float("inf")
    diverged = tmp_path / "diverged.ckpt"
    torch.save(checkpoint, diverged)
    cfg = compose_command("sample", [f"ckpt={diverged}", f"out={tmp_path / 'grid.png'}"])
    with pytest.raises(GenlabError, match=r"holds non-finite weights \(1 tensors, e.g. encoder"):
        sample(cfg)
    with pytest.raises(GenlabError, match=r"ckpt_path=.*holds non-finite weights"):
        assemble(compose_train([*QUIET, "model=vae", *SMALL, f"ckpt_path={diverged}"], tmp_path / "again"))
    assert not (tmp_path / "grid.png").exists()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_the_weight_check_finds_any_non_finite_value_and_no_false_alarm_in_half_precision(bad):
    net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2)).half()
    with torch.no_grad():
        net[1].weight.fill_(60000.0)  # sums past fp16's 65504: summed in fp32
    assert weights_finite(net)
    with torch.no_grad():
        net[0].weight[1, 2] = bad
    assert not weights_finite(net)


def test_the_guard_names_the_non_finite_terms_and_the_first_bad_weight_and_ignores_sums_that_overflow():
    huge = {"a": torch.tensor(3e38), "b": torch.tensor(3e38)}  # finite, their sum is not
    assert non_finite(huge) == []
    assert non_finite({"loss": torch.tensor(float("nan")), "kl": torch.tensor(float("inf"))}) == [
        "train/kl",
        "train/loss",
    ]
    assert non_finite({}) == []
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.Linear(2, 2))
    with torch.no_grad():
        net[0].weight.fill_(3e38)
        assert first_non_finite_weight(net) is None
        net[2].bias[0] = float("nan")
        net[1].weight[0, 1] = float("-inf")
    assert first_non_finite_weight(net) == "1.weight"
