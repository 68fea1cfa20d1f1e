"""Domain-adversarial training (`model=dann`) on `dataset=domain_pair`."""

from pathlib import Path

import lightning as L
import pytest
import torch
from hydra.utils import instantiate
from PIL import Image

from genlab.data.domain_pair import DomainPair
from genlab.errors import GenlabError
from genlab.nn.gradient_reversal import annealed_rate, reversal_strength, reverse_gradient
from genlab.run.explore import explore
from genlab.run.explorer import labelled_examples
from genlab.run.train import assemble
from tests.conftest import QUIET, compose_command, compose_train, fit, run_cli

SMALL = ["model=dann", "model.features.widths=[4,8]", "model.label_hidden=[8]", "model.domain_hidden=[8]"]
DATA = ["dataset.image_size=16", "dataset.batch_size=128"]  # 1617 pairs: 12 batches an epoch


def test_gradient_reversal_is_the_identity_forward_and_minus_lambda_backward():
    x = torch.randn(5, 3, requires_grad=True)
    y = reverse_gradient(x, 0.7)
    assert torch.equal(y, x)
    upstream = torch.randn(5, 3)
    y.backward(upstream)
    torch.testing.assert_close(x.grad, -0.7 * upstream)


def test_the_papers_schedules():
    strengths = [reversal_strength(p) for p in (0, 0.25, 0.5, 0.75, 1)]
    assert strengths == pytest.approx([0, 0.848, 0.987, 0.999, 0.9999], abs=5e-4)
    assert annealed_rate(0) == 1 and annealed_rate(1) == pytest.approx(11**-0.75)


def test_training_items_hold_no_target_label_and_both_sides_take_the_targets_channels(tmp_path):
    data = instantiate(compose_train(["dataset=domain_pair", *DATA], tmp_path).dataset)
    assert isinstance(data, DomainPair)
    data.setup("fit")
    source, label, target = data.train_set[0]
    assert source.shape == target.shape == (3, 16, 16) and label.dim() == 0
    assert torch.equal(source[0], source[1])  # the grey digit, repeated
    loaders = data.val_dataloader()
    assert [len(loader.dataset) for loader in loaders] == [len(data.target.val_set), len(data.source.val_set)]


def test_target_labels_are_never_read_in_training(tmp_path, monkeypatch):
    """Shuffle the target domain's labels: training ends with the same weights, bit for bit."""
    straight = fit([*SMALL, *DATA, "trainer.max_steps=6"], tmp_path / "straight").model.state_dict()
    original = DomainPair._load

    def shuffled_target_labels(self):
        loaded = original(self)
        examples = self.target.train_set.dataset  # a Subset of the target's TensorExamples
        labels = examples.tensors[1]
        examples.tensors = (
            examples.tensors[0],
            labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))],
        )
        return loaded

    monkeypatch.setattr(DomainPair, "_load", shuffled_target_labels)
    shuffled = fit([*SMALL, *DATA, "trainer.max_steps=6"], tmp_path / "shuffled").model.state_dict()
    for key, value in straight.items():
        assert torch.equal(value, shuffled[key]), key


@pytest.mark.parametrize(("adversary", "passes"), [("false", [4]), ("true", [4, 4])])
def test_the_baseline_reads_no_target_image_and_dann_reads_each_domain_in_its_own_pass(
    tmp_path, monkeypatch, adversary, passes
):
    seen = []
    model = fit([*SMALL, *DATA, f"model.adversary={adversary}", "trainer.max_steps=1"], tmp_path).model
    monkeypatch.setattr(model.extractor, "forward", lambda x: seen.append(len(x)) or torch.zeros(len(x), 1))
    batch = [torch.rand(4, 3, 16, 16), torch.zeros(4, dtype=torch.long), torch.rand(4, 3, 16, 16)]
    with pytest.raises(RuntimeError):  # the stand-in features do not fit the head; the count is what matters
        model.training_step(batch, 0)
    assert seen == passes


class StopAt(L.Callback):
    """Stops a run after `step` optimiser steps without changing its recipe: DANN's schedules run
    over the run's total steps, so a shorter `max_steps` would be another run."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step >= self.step:
            trainer.should_stop = True


@pytest.mark.parametrize("stop", [12, 8], ids=["epoch-boundary", "mid-epoch"])
def test_a_run_stopped_short_resumes_exactly(tmp_path, stop):
    overrides = [*SMALL, *DATA, "trainer.max_steps=24"]
    straight = fit(overrides, tmp_path / "straight").model.state_dict()
    fit(overrides, tmp_path / "stopped", [StopAt(stop)])
    last = tmp_path / "stopped" / "checkpoints" / "last.ckpt"
    resumed = assemble(compose_train([*QUIET, *overrides], tmp_path / "stopped"))
    resumed.trainer.fit(resumed.model, resumed.datamodule, ckpt_path=last)
    assert resumed.trainer.global_step == 24
    for key, value in straight.items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key


def test_one_domain_for_dann_or_a_domain_pair_for_another_model_is_refused_in_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"adapts a classifier .* use dataset=domain_pair"):
        assemble(compose_train([*SMALL, "dataset=digits_m", "dataset.image_size=16"], tmp_path))
    with pytest.raises(GenlabError, match=r"dataset=domain_pair pairs .* use model=dann"):
        assemble(compose_train(["model=classifier", "dataset=domain_pair", *DATA], tmp_path))
    with pytest.raises(GenlabError, match=r"must share their classes"):
        assemble(compose_train([*SMALL, "dataset@dataset.target=shapes", *DATA], tmp_path))


def test_any_two_labelled_datasets_compose_into_a_pair(tmp_path: Path):
    cfg = compose_train(
        ["dataset=domain_pair", "dataset@dataset.source=digits_m", "dataset@dataset.target=digits"], tmp_path
    )
    assert (cfg.dataset.source.name, cfg.dataset.target.name, cfg.dataset.channels) == ("digits_m", "digits", 1)
    data = instantiate(cfg.dataset)
    data.setup("fit")
    assert data.train_set[0][0].shape == (1, 32, 32)  # colour source shown grey, as the target


def test_mnist_m_is_built_from_a_folder_of_photos(tmp_path):
    photos = tmp_path / "photos"
    (photos / "more").mkdir(parents=True)
    colours = {"red.png": (200, 30, 30), "more/blue.jpg": (20, 40, 220)}
    for name, colour in colours.items():
        Image.new("RGB", (40, 36), colour).save(photos / name)
    Image.new("RGB", (10, 10), (0, 255, 0)).save(photos / "too_small.png")  # smaller than a digit: left out
    overrides = ["dataset=mnist_m", "dataset@dataset.digits=digits", f"dataset.photos={photos}"]
    data = instantiate(compose_train([*overrides, "dataset.image_size=16"], tmp_path / "run").dataset)
    data.setup("fit")
    x, label = data.train_set[0]
    assert x.shape == (3, 16, 16) and 0 <= int(label) < 10
    ground = x[:, 0, 0] * 255  # a corner: the photo's colour where the digit is dark
    assert any(torch.allclose(ground, torch.tensor(c, dtype=torch.float), atol=4) for c in colours.values())
    (photos / "red.png").unlink()
    (photos / "more" / "blue.jpg").unlink()
    empty = instantiate(compose_train([*overrides, "dataset.image_size=16"], tmp_path / "run").dataset)
    with pytest.raises(GenlabError, match=r"holds no image of 16×16 px or more \(1 image files\)"):
        empty.setup("fit")


@pytest.mark.slow
@pytest.mark.parametrize("adversary", ["false", "true"])
def test_both_dann_and_its_baseline_train_under_two_process_ddp(workdir, tmp_path, adversary):
    """The baseline never uses D: DDP, which waits for every parameter's gradient, must be told."""
    result = run_cli(
        "train",
        "trainer=ddp_cpu",
        *SMALL,
        *DATA,
        f"model.adversary={adversary}",
        "trainer.max_steps=4",
        "logger=none",
        cwd=workdir,
        output_root=tmp_path / "outputs",
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_explore_draws_both_domains_features_of_a_dann_checkpoint(tmp_path):
    fit([*SMALL, *DATA, "trainer.max_steps=2"], tmp_path)
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    picture, numbers = explore(compose_command("explore", [f"ckpt={ckpt}", "what=features", "fit_samples=60"]))
    assert picture.name == "last_features_seed0.png" and Image.open(picture).size == (550, 550)
    assert numbers.read_text().count('"examples": 60') == 2


@torch.no_grad()
def target_accuracy(run) -> float:
    """Accuracy on the held-out target digits (the only place target labels are read)."""
    images, labels = labelled_examples(run.datamodule.val_set, len(run.datamodule.val_set))
    return float((run.model.eval().predict(images) == labels).float().mean())


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dann_reads_the_target_better_than_the_source_only_classifier_at_equal_steps(tmp_path, seed):
    """`experiment=dann_digits` cut to 600 steps (~12 s a pair), 180 held-out target digits.
    Measured, target accuracy DANN vs source only: seeds 0–5 0.51/0.49/0.42/0.53/0.50/0.46 vs
    0.32/0.29/0.32/0.36/0.32/0.35 (gains 0.10–0.21). The baseline at the paper's μ₀ 0.01 does no
    better (0.35/0.38/0.34/0.44 at 1000 steps, seeds 0–3), so the gain is DANN's, not the rate's.
    Asked: +0.05 at each seed."""
    common = ["experiment=dann_digits", "trainer.max_steps=600", f"seed={seed}"]
    adapted = target_accuracy(fit(common, tmp_path / "dann"))
    source_only = target_accuracy(fit([*common, "model.adversary=false"], tmp_path / "source_only"))
    assert adapted > source_only + 0.05, (adapted, source_only)
