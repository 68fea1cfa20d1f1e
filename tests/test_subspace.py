"""PCA against autoencoders at equal code size (`genlab explore what=subspace`): the principal
angles and paired directions on known subspaces, and the lecture's claim measured on a trained
linear AE — it spans PCA's subspace — while a non-linear AE's tangent space does not."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from genlab.analysis.subspace import (
    decoder_tangents,
    direction_images,
    paired_directions,
    principal_angles_degrees,
    principal_components,
)
from genlab.run.explore import explore
from tests.conftest import compose_command, fit

LINEAR_AE = ["model=ae", "model.net.hidden=[]", "model.loss=mse", "dataset.image_size=16", "optimizer.lr=5e-3"]


def test_any_basis_of_the_principal_subspace_is_at_zero_degrees_and_a_random_one_is_not():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(500, 30)) * np.linspace(5, 0.1, 30)  # variances well apart: a unique top-4 subspace
    pca = principal_components(data, 4)
    mixed = pca @ rng.normal(size=(4, 4))  # the same span, another basis (a linear AE's code axes)
    assert principal_angles_degrees(mixed, pca).max() < 1e-6
    assert principal_angles_degrees(rng.normal(size=(30, 4)), pca).max() > 45
    ours, theirs = paired_directions(pca, mixed)
    assert np.allclose(ours, theirs, atol=1e-8)  # rotated onto each other, one sign per pair


def test_the_tangents_of_an_affine_decoder_are_its_weights_and_directions_show_grey_at_zero():
    decoder = nn.Sequential(nn.Linear(3, 12), nn.Unflatten(1, (1, 3, 4)))
    tangents = decoder_tangents(decoder, torch.randn(3))
    assert np.allclose(tangents, decoder[0].weight.detach().double().numpy(), atol=1e-6)
    images = direction_images(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]), (1, 3, 1))
    assert images.shape == (2, 1, 3, 1)
    assert images[0].flatten().tolist() == [1.0, 0.0, 0.5] and images[1].flatten().tolist() == [0.5, 0.5, 0.5]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_linear_autoencoder_spans_pcas_subspace_and_a_non_linear_one_does_not(seed, tmp_path):
    """Measured (10 latents, 120 epochs at lr 5e-3, PCA on the whole training split): largest
    angle 1.5°, 2.4°, 1.7° for seeds 0–2, against 85°, 88°, 86° for the MLP AE of the same code
    size after 10 epochs. The test asks < 4° and > 30°. At 8 latents the 8th and 9th variances
    are 5 % apart and the 8th angle stays near 75° long after the reconstruction error equals
    PCA's: the subspace is unique only where the variances are apart."""
    linear = tmp_path / "linear"
    fit([*LINEAR_AE, "model.latent_dim=10", "trainer.max_epochs=120", f"seed={seed}"], linear)
    mlp = tmp_path / "mlp"
    fit(["model=ae", "model.loss=mse", "dataset.image_size=16", "model.latent_dim=10", "trainer.max_epochs=10",
         f"seed={seed}"], mlp)  # fmt: skip
    angles = {}
    for name, folder in (("linear", linear), ("mlp", mlp)):
        ckpt = folder / "checkpoints" / "last.ckpt"
        picture, numbers = explore(compose_command("explore", [f"ckpt={ckpt}", "what=subspace", "fit_samples=2000"]))
        report = json.loads(numbers.read_text())
        assert picture.is_file() and report["latents"] == 10 and report["training_examples"] == 1617
        angles[name] = report["max_angle_degrees"]
    assert angles["linear"] < 4 < 30 < angles["mlp"], angles
