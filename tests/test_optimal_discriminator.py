"""The optimal discriminator on 1-D data (`experiment=gan_1d`, `callbacks=gan1d`): the mixture's
density, D read as a probability only where the objective's optimum is p_data / (p_data + p_g),
and a D trained against a frozen G meeting D* — Goodfellow et al.'s Proposition 1 through genlab."""

import pytest
import torch

from genlab.callbacks.dynamics1d import optimal_discriminator
from genlab.data.toy1d import Toy1dDataModule
from genlab.errors import GenlabError
from genlab.objectives.adversarial import OBJECTIVES
from tests.conftest import fit


def test_the_mixture_density_integrates_to_one_and_matches_its_samples():
    data = Toy1dDataModule(means=[-2.0, 1.0], stds=[0.5, 1.0], n_samples=40000, name="toy1d", shape=[1], seed=0)
    x = torch.linspace(-8, 8, 4001)
    assert torch.trapezoid(data.density(x), x) == pytest.approx(1.0, abs=1e-4)
    points, components = data.load_tensors()
    assert points.shape == (40000, 1) and set(components.tolist()) == {0, 1}
    share_below = float((points < -1).float().mean())
    assert share_below == pytest.approx(float(torch.trapezoid(data.density(x[x < -1]), x[x < -1])), abs=0.01)


def test_a_mixture_needs_one_positive_sigma_per_mean():
    with pytest.raises(GenlabError, match=r"dataset.means=\[0.0, 1.0\], dataset.stds=\[1.0\]: give one positive σ"):
        Toy1dDataModule(means=[0, 1], stds=[1], name="toy1d", shape=[1], seed=0)


def test_d_star_is_the_density_ratio_and_only_probability_objectives_read_d_as_one():
    p_data, p_g = torch.tensor([1.0, 0.0, 3.0, 0.0]), torch.tensor([1.0, 2.0, 1.0, 0.0])
    assert optimal_discriminator(p_data, p_g).tolist() == [0.5, 0.0, 0.75, 0.5]
    logits = torch.tensor([0.0, 2.0])
    assert torch.equal(OBJECTIVES["non_saturating"].probability(logits), torch.sigmoid(logits))
    assert torch.equal(OBJECTIVES["least_squares"].probability(logits), logits)
    assert all(OBJECTIVES[name].probability is None for name in ("wasserstein", "hinge", "relativistic"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_discriminator_trained_against_a_frozen_generator_meets_d_star(seed, tmp_path):
    """G never steps (one G step every million D steps); D trains at lr 1e-3 on data N(0, 0.3²)
    laid over G's initial output, so D* takes values between 0 and 1 there. Measured, the mean
    |D − D*| under ½(p_data + p_g): 0.0096, 0.029, 0.025 after 700 D steps for seeds 0–2, against
    0.20, 0.13, 0.35 after 20. The test asks < 0.05 after 700 and > 0.1 after 20."""
    common = ["experiment=gan_1d", "model.balance.n_critic=1000000", "model.balance.lr_d=1e-3", f"seed={seed}"]
    common += ["dataset.means=[0.0]", "dataset.stds=[0.3]", "callbacks=gan1d"]  # over G's initial output
    gaps = {}
    for steps, budget in (
        (20, ["trainer.max_epochs=1", "++trainer.limit_train_batches=20"]),
        (700, ["trainer.max_epochs=10"]),
    ):
        run = fit([*common, *budget], tmp_path / str(steps))
        gaps[steps] = float(run.trainer.callback_metrics["val/d_star_gap"])
        assert (tmp_path / str(steps) / "images" / "dynamics1d.gif").is_file()
    assert gaps[700] < 0.05 < 0.1 < gaps[20], gaps
