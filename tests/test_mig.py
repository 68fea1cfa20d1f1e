"""The mutual information gap (genlab/metrics/mig.py): 1 when each factor lives in one latent,
0 when two latents share it, factors without entropy skipped."""

import numpy as np
import pytest

from genlab.errors import GenlabError
from genlab.metrics.mig import mutual_information_gap

N = 5000


def factor_values(seed: int, values: int = 5) -> np.ndarray:
    return np.random.default_rng(seed).integers(values, size=N)


def near(values: np.ndarray, seed: int) -> np.ndarray:
    """A latent that reads a factor exactly, with a little noise (well inside one histogram bin)."""
    return values + 0.01 * np.random.default_rng(seed).standard_normal(len(values))


def test_each_factor_in_its_own_latent_scores_one_and_names_its_latent():
    shape, x = factor_values(0), factor_values(1, values=8)
    noise = np.random.default_rng(2).standard_normal(N)
    found = mutual_information_gap(np.stack([noise, near(x, 3), near(shape, 4)], axis=1), np.stack([shape, x], axis=1))
    # the noise latent's estimated information is the histogram estimator's bias, ~0.01 nats
    assert found["mig"] > 0.97, found
    assert [row["best_latent"] for row in found["factors"]] == [2, 1]
    assert found["factors"][0]["entropy"] == pytest.approx(np.log(5), abs=0.01)


def test_a_factor_shared_by_two_latents_has_no_gap():
    shape = factor_values(0)
    found = mutual_information_gap(np.stack([near(shape, 1), near(shape, 2)], axis=1), shape)
    assert found["mig"] < 0.02, found


def test_a_factor_with_one_value_is_skipped_and_all_such_is_refused():
    shape, constant = factor_values(0), np.zeros(N, dtype=int)
    codes = np.stack([near(shape, 1), np.random.default_rng(2).standard_normal(N)], axis=1)
    found = mutual_information_gap(codes, np.stack([constant, shape], axis=1))
    assert [row["factor"] for row in found["factors"]] == [1]
    with pytest.raises(GenlabError, match="every factor of these labels takes one value"):
        mutual_information_gap(codes, constant)
    with pytest.raises(GenlabError, match="this model has 1 latent"):
        mutual_information_gap(codes[:, :1], shape)
