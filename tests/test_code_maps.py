"""`genlab explore what=scatter|manifold|activations`: where an encoder puts the examples, what a 2-D
decoder draws across its code plane, and how its codes and Jacobian are spread."""

import json

import numpy as np
import pytest
import torch
from PIL import Image
from torch.distributions import Normal

from genlab.analysis.activations import jacobian_norms
from genlab.analysis.code_maps import plane, prior_grid
from genlab.errors import GenlabError
from genlab.run.explore import explore
from tests.conftest import compose_command, fit


def explore_with(ckpt, *overrides: str):
    return explore(compose_command("explore", [f"ckpt={ckpt}", *overrides]))


def test_the_prior_grid_sits_at_even_quantiles_first_latent_across_second_down():
    grid = prior_grid(3)
    quantiles = Normal(0.0, 1.0).cdf(grid)
    assert grid.shape == (9, 2)
    assert torch.allclose(quantiles[:3, 0], torch.tensor([0.05, 0.5, 0.95]), atol=1e-5), "columns: the first latent"
    assert torch.allclose(quantiles[::3, 1], torch.tensor([0.95, 0.5, 0.05]), atol=1e-5), "rows: the second, top high"


def test_a_two_d_code_is_drawn_as_it_is_and_a_larger_one_on_its_principal_plane():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(200, 2))
    points, shares = plane(codes)
    assert shares is None and np.array_equal(points, codes)
    wide = np.concatenate([codes * [5, 3], rng.normal(size=(200, 3)) * 0.1], axis=1)
    points, shares = plane(wide)
    assert points.shape == (200, 2) and shares[0] > shares[1] > 0.2 and sum(shares) > 0.99


@pytest.fixture(scope="module")
def vae2(tmp_path_factory):
    out = tmp_path_factory.mktemp("vae2")
    fit(["model=vae", "model.latent_dim=2", "dataset.image_size=16", "trainer.max_steps=5"], out)
    return out / "checkpoints" / "last.ckpt"


def test_explore_draws_the_code_plane_and_the_codes_of_a_two_latent_vae(vae2, tmp_path):
    (manifold,) = explore_with(vae2, "what=manifold", "steps=4", f"out={tmp_path}")
    assert manifold.name == "last_manifold_seed0.png" and Image.open(manifold).size == (4 * 18 + 2, 4 * 18 + 2)
    picture, numbers = explore_with(vae2, "what=scatter", "fit_samples=300", f"out={tmp_path}")
    assert picture.is_file()
    assert json.loads(numbers.read_text()) == {
        "latents": 2,
        "examples": 300,
        "projection": "none",
        "explained_variance_ratio": None,
    }


def test_a_code_plane_of_more_than_two_latents_is_refused_in_one_line(tmp_path):
    fit(["model=vae", "model.latent_dim=3", "dataset.image_size=16", "trainer.max_steps=1"], tmp_path)
    with pytest.raises(GenlabError, match="what=manifold draws a 2-D code plane; model 'vae' has 3 latents"):
        explore_with(tmp_path / "checkpoints" / "last.ckpt", "what=manifold")


def test_the_jacobian_norm_of_a_linear_encoder_is_its_weights_frobenius_norm_at_every_input():
    encoder = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 5))
    norms = jacobian_norms(encoder, torch.randn(3, 1, 3, 4))
    assert torch.allclose(norms, encoder[1].weight.norm().expand(3), atol=1e-6)


def test_explore_measures_an_autoencoders_activations_and_jacobian_norms(tmp_path):
    fit(["model=sparse_ae", "model.latent_dim=8", "dataset.image_size=16", "trainer.max_steps=2"], tmp_path)
    picture, numbers = explore_with(tmp_path / "checkpoints" / "last.ckpt", "what=activations", "fit_samples=50")
    report = json.loads(numbers.read_text())
    assert picture.is_file() and report["latents"] == 8 and report["examples"] == 50
    assert 0 < report["mean_activation"] < 1 and 0 <= report["inactive_share"] <= 1 and report["jacobian_norm_mean"] > 0
