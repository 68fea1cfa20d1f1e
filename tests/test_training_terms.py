"""The epoch's training and validation terms that genlab keeps instead of logging every term on
every batch (`genlab/models/terms.py`): their means, their checkpoint round trip, their precision,
and validation's means as Lightning computed them (weighted by batch size, over every rank)."""

import io

import pytest
import torch

from genlab.models.terms import TrainingTerms, ValidationMeans
from genlab.objectives.reconstruction import reconstruction_nll
from tests.conftest import fit

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


def test_validation_means_are_weighted_by_batch_size_and_summed_over_the_ranks():
    kept = ValidationMeans()
    kept.add(terms({"val/loss": 1.0, "val/mse": 2.0}), batch_size=64)
    kept.add(terms({"val/loss": 4.0, "val/mse": 2.0}), batch_size=32)
    alone = {key: float(value) for key, value in kept.means(lambda total: total).items()}
    assert alone == {"val/loss": pytest.approx(2.0), "val/mse": pytest.approx(2.0)}
    # a second rank with one batch of 32 examples at loss 10 and mse 5: its sums, then its sizes
    other = torch.tensor([320.0, 160.0, 32.0, 32.0])
    ranks = {key: float(value) for key, value in kept.means(lambda total: total + other).items()}
    assert ranks == {"val/loss": pytest.approx((64 + 128 + 320) / 128), "val/mse": pytest.approx((192 + 160) / 128)}
    kept.reset()
    assert kept.means(lambda total: total) == {}, "a new validation run starts anew"


def test_a_logged_validation_loss_is_the_mean_over_every_validation_example(tmp_path):
    """180 held-out digits in batches of 64, 64 and 52: the mean of the batch means would be off."""
    run = fit(["model=ae", "dataset=digits", "dataset.image_size=16", "trainer.max_epochs=1"], tmp_path)
    model = run.model.eval()
    with torch.no_grad():
        batches = [batch[0] for batch in run.datamodule.val_dataloader()]
        losses = [reconstruction_nll(model.decoder(model.encode(x)), x, model.loss_kind) for x in batches]
    assert sorted({len(x) for x in batches}) == [52, 64], "a partial last batch"
    expected = torch.cat(losses).mean()
    assert float(run.trainer.callback_metrics["val/loss"]) == pytest.approx(float(expected), rel=1e-5)
