"""The adversarial trainer's numbers survive refactoring: the first 20 logged training terms of
gan, wgan_gp, acgan, infogan and bigan (16-px digits, seed 7) equal those recorded in
`tests/data/gan_losses.json` (`python -m tests.gan_losses`). Recorded before the trainer was split
into parts, again when resumable data order changed which batches come first, and again in float64
when the float32 BiGAN record failed on another CPU. The tolerance (1e-8 relative) is 1e6 times the
drift measured between thread counts and leaves room for the chaotic growth of a rounding difference
over 20 steps (×1e5 in float32's BiGAN); a changed formula moves terms by far more."""

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
