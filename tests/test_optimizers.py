"""genlab's Adam configs run the fused kernel, except under mixed precision, where Lightning would
refuse to clip the gradients of an optimiser that unscales them inside `step()`."""

import pytest

from tests.conftest import fit

SMALL = ["dataset=digits", "dataset.image_size=16", "trainer.max_steps=2"]
DDPM = ["model=ddpm", "model.network.widths=[8,16]", "model.network.groups=4"]  # clips gradients at 1
DCGAN = ["model=dcgan", "model.generator.width=8", "model.discriminator.width=8"]  # two optimisers


@pytest.mark.parametrize("family", [["model=vae"], DDPM, DCGAN], ids=["vae", "ddpm", "dcgan"])
def test_a_default_run_steps_with_the_fused_adam(family, tmp_path):
    run = fit([*family, *SMALL], tmp_path)
    assert run.trainer.global_step >= 2
    assert all(optimizer.defaults["fused"] is True for optimizer in run.trainer.optimizers)


@pytest.mark.parametrize("family", [DDPM, DCGAN], ids=["ddpm", "dcgan"])
def test_under_mixed_precision_the_optimisers_are_unfused_and_clipping_still_runs(family, tmp_path):
    run = fit([*family, *SMALL, "trainer.precision=bf16-mixed"], tmp_path)
    assert run.trainer.global_step >= 2
    assert all(optimizer.defaults["fused"] is False for optimizer in run.trainer.optimizers)


def test_an_optimiser_without_a_fused_kernel_is_left_as_configured_under_mixed_precision(tmp_path):
    run = fit(["model=wgan", *SMALL, "trainer.precision=bf16-mixed"], tmp_path)
    assert run.trainer.global_step >= 2
    assert {type(optimizer).__name__ for optimizer in run.trainer.optimizers} == {"RMSprop"}
