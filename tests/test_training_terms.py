"""The epoch's training terms that genlab keeps instead of logging every term on every batch
(`genlab/models/terms.py`): their means, their checkpoint round trip, their precision."""

import io

import pytest
import torch

from genlab.models.terms import TrainingTerms

BATCHES = [{"loss": 1.0, "g_loss": 4.0}, {"loss": 2.0}, {"loss": 6.0, "g_loss": 8.0}]


def terms(values: dict[str, float], dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    return {key: torch.tensor(value, dtype=dtype) for key, value in values.items()}


def test_a_term_is_averaged_over_the_batches_that_computed_it():
    kept = TrainingTerms()
    for batch in BATCHES:
        kept.add(0, terms(batch))
    means = {key: float(value) for key, value in kept.means(0).items()}
    assert means == {"loss": 3.0, "g_loss": 6.0}
    assert kept.last.keys() == {"loss", "g_loss"}, "the last batch's terms, for the non-finite guard"
    assert kept.means(1) == {}, "no batch of epoch 1 yet"
    kept.add(1, terms({"loss": 5.0}))
    assert {key: float(value) for key, value in kept.means(1).items()} == {"loss": 5.0}, "a new epoch starts anew"


def test_an_epoch_resumed_from_a_checkpoint_mid_way_has_the_whole_epochs_mean():
    straight, first = TrainingTerms(), TrainingTerms()
    for batch in BATCHES:
        straight.add(2, terms(batch))
    first.add(2, terms(BATCHES[0]))
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    resumed = TrainingTerms()
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    for batch in BATCHES[1:]:
        resumed.add(2, terms(batch))
    assert resumed.means(2).keys() == straight.means(2).keys()
    for key, value in straight.means(2).items():
        assert torch.equal(resumed.means(2)[key], value), key


def test_a_checkpoint_from_the_end_of_an_epoch_does_not_leak_into_the_next():
    ended = TrainingTerms()
    ended.add(0, terms({"loss": 100.0}))
    resumed = TrainingTerms()
    resumed.load_state_dict(ended.state_dict())
    resumed.add(1, terms({"loss": 2.0}))
    assert float(resumed.means(1)["loss"]) == 2.0


def test_half_precision_terms_are_summed_in_fp32():
    kept = TrainingTerms()
    for _ in range(300):  # in bf16, 256 + 1 rounds back to 256: the sum would stop growing
        kept.add(0, terms({"loss": 1.0}, torch.bfloat16))
    assert kept.sums["loss"].dtype == torch.float32
    assert float(kept.means(0)["loss"]) == pytest.approx(1.0)
