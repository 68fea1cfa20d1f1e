"""The adversarial trainer's numbers survive refactoring: the first 20 logged training terms of
gan, wgan_gp, acgan, infogan and bigan (16-px digits, seed 7) equal those recorded in
`tests/data/gan_losses.json` (`python -m tests.gan_losses`). Recorded before the trainer was split
into parts, again when resumable data order changed which batches come first, and again in float64
(why: `tests/gan_losses.py`). The tolerance (1e-8 relative) is about 1e6 times the drift measured
between thread counts, room for a rounding difference's chaotic growth over 20 steps; a changed
formula moves terms by far more."""

import json

import pytest

from tests.gan_losses import MODELS, RECORD, record


@pytest.mark.parametrize("model", MODELS)
def test_first_twenty_logged_terms_match_the_recording(tmp_path, model):
    expected = json.loads(RECORD.read_text())[model]
    actual = record(model, tmp_path)
    assert len(actual) == len(expected)
    for step, (got, want) in enumerate(zip(actual, expected, strict=True)):
        assert got.keys() == want.keys(), (step, sorted(got), sorted(want))
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-8, abs=1e-10), (step, key)
