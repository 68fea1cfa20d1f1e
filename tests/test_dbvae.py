"""DB-VAE (#27): adaptive resampling by latent density, and the embedded biased data it is for."""

import pytest
import torch

from genlab.errors import GenlabError
from genlab.models.resampling import debiasing_weights
from genlab.run.train import build
from tests.conftest import compose_train


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("dims", [1, 4])
def test_rare_latent_codes_get_nine_times_the_weight_of_a_nine_times_commoner_mode(seed, dims):
    """90 % of the codes in the first of 10 bins of every dimension, 10 % in the last: the rare ones
    weigh (0.9 + α) / (0.1 + α) = 8.92 times as much (measured at every seed), within 20 % of 9."""
    generator = torch.Generator().manual_seed(seed)
    rare = torch.randperm(1000, generator=generator) < 100
    codes = torch.rand(1000, dims, generator=generator) * 0.5 + rare[:, None] * 9.5  # [0, .5) and [9.5, 10)
    codes[0], codes[1] = 0.0, 10.0  # the histograms' range: bins of width 1
    weights = debiasing_weights(codes, bins=10, alpha=1e-3)
    ratio = weights[rare].mean() / weights[~rare].mean()
    assert weights.sum() == pytest.approx(1.0) and ratio == pytest.approx(9, rel=0.2)


def test_a_rare_code_along_any_one_dimension_is_rare():
    """Two constant dimensions give everyone 1/100; the third gives the 10 rare codes 1/20 and the
    90 others 1/180: the maximum keeps 1/20 against 1/100, five times as much."""
    codes = torch.zeros(100, 3)
    codes[:10, 2] = 1.0  # rare along the last dimension only
    weights = debiasing_weights(codes, bins=2, alpha=0.0)
    assert torch.allclose(weights[:10], weights[0]) and torch.allclose(weights[10:], weights[10])
    assert weights[0] / weights[10] == pytest.approx(5.0)


def test_bad_histogram_settings_are_refused_in_one_line():
    with pytest.raises(GenlabError, match=r"bins=0 must be ≥ 1"):
        debiasing_weights(torch.zeros(4, 2), bins=0)


def faces(overrides: list[str], tmp_path):
    datamodule = build(compose_train(["dataset=biased_faces", *overrides], tmp_path).dataset)
    datamodule.setup()
    return datamodule


def test_the_rare_subgroup_is_rare_among_training_faces_and_half_of_the_validation_faces(tmp_path):
    data = faces([], tmp_path)
    (x, y, dark), (val_x, val_y, val_dark) = data.train_set.tensors, data.val_set.tensors
    assert len(x) == 2 * 80 * 18 and len(val_x) == 2 * 20 * 18
    assert dark[y == 1].float().mean() == pytest.approx(0.05, abs=1e-3)
    assert val_dark[val_y == 1].float().mean() == 0.5 and dark[y == 0].float().mean() == 0.5
    light, darkened = x[(y == 1) & (dark == 0)], x[(y == 1) & (dark == 1)]
    assert light.max() > 0.9 and darkened.max() <= 0.35  # the tone is the gain
    trained = {tuple(v.flatten().tolist()) for v in x}
    assert not any(tuple(v.flatten().tolist()) in trained for v in val_x)  # other source images


def test_bad_subgroup_settings_are_refused_in_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"dataset\.rare_fraction=1\.5, dataset\.dark_gain=0\.35"):
        faces(["dataset.rare_fraction=1.5"], tmp_path)
