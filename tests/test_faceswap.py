"""The Deepfakes face swap (`model=faceswap`): one encoder, a decoder per identity, warped inputs."""

from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate
from PIL import Image

from genlab.analysis.swap import swap_errors
from genlab.errors import GenlabError
from genlab.objectives.corruption import RandomWarp
from genlab.run.train import assemble
from tests.conftest import cli_in_process, compose_train, fit

SMALL = ["model=faceswap", "model.encoder.widths=[8,16,32]", "model.latent_dim=8"]


def build(tmp_path: Path, overrides: list[str]):
    return instantiate(compose_train([*SMALL, *overrides], tmp_path).model)


def test_one_encoder_serves_both_identities(tmp_path):
    model = build(tmp_path, [])
    calls = []
    model.encoder.register_forward_hook(lambda module, args, out: calls.append(module))
    x = torch.rand(2, 1, 32, 32)
    model.translate(x, "AtoB"), model.translate(x, "BtoA")
    assert calls == [model.encoder, model.encoder]
    assert {name.split(".")[0] for name in model.state_dict()} == {"encoder", "decoders"}
    assert set(model.decoders) == {"A", "B"} and model.decoders["A"] is not model.decoders["B"]


@pytest.mark.parametrize("side", [32, 28])  # 28: the conv parts pad to 32 and crop back
def test_swaps_and_rebuilds_have_the_inputs_size(tmp_path, side):
    model = build(tmp_path, [f"dataset.image_size={side}"])
    x = torch.rand(3, 1, side, side)
    for direction in ("AtoB", "BtoA"):
        assert model.translate(x, direction).shape == x.shape
    terms = model._losses([x, x], warped=True)
    assert set(terms) == {"recon_a", "recon_b"}


def test_a_zero_strength_warp_is_the_identity_and_the_default_one_is_not():
    x = torch.rand(4, 3, 28, 28)
    torch.testing.assert_close(
        RandomWarp(rotation=0, shift=0, flip=0, sigma=0)(x), x, rtol=0, atol=1e-5
    )  # float rounding of the sampling grid
    torch.manual_seed(0)
    warped = RandomWarp()(x)
    assert warped.shape == x.shape
    assert (warped - x).abs().flatten(1).mean(1).min() > 0.05  # every image moved, each its own way
    same = RandomWarp()(x[:1].expand(4, -1, -1, -1))
    assert (same[0] - same[1:]).abs().flatten(1).mean(1).min() > 0.01


def test_warp_settings_out_of_range_are_refused_in_one_line():
    with pytest.raises(GenlabError, match=r"RandomWarp\(flip=1.5\) is a probability"):
        RandomWarp(flip=1.5)
    with pytest.raises(GenlabError, match=r"RandomWarp\(grid=1\) needs at least 2×2"):
        RandomWarp(grid=1)


def test_identities_of_different_shapes_are_refused_in_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"model=faceswap maps images to images of the same size and channels"):
        assemble(compose_train([*SMALL, "dataset=sr_digits"], tmp_path))


# Measured (one thread, 150 steps, lr 5e-4, widths [32,64,128], 64-d code, seeds 0/1/2): swap L1
# 0.116/0.121/0.130 against the thickened digit, doing nothing 0.186/0.189/0.186, another digit's
# right answer 0.191/0.206/0.208: the swap is 0.056-0.070 closer than doing nothing.
@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decoder_b_on_a_digits_code_draws_that_digit_in_bs_hand(tmp_path, seed):
    overrides = ["model=faceswap", "model.encoder.widths=[32,64,128]", "model.latent_dim=64", "optimizer.lr=5e-4"]
    run = fit([*overrides, "trainer.max_steps=150", f"seed={seed}"], tmp_path)
    val = run.datamodule.val_set
    digits = torch.stack([val[i][1] for i in range(len(val))])
    errors = swap_errors(run.model.eval(), digits, radius=2)
    assert errors["swap"] < errors["unchanged"] - 0.04, errors
    assert errors["swap"] < errors["another_digit"] - 0.04, errors


def test_genlab_translate_writes_one_swapped_face_per_input(tmp_path):
    fit([*SMALL, "dataset.image_size=16", "trainer.max_steps=2"], tmp_path / "run")
    faces = tmp_path / "faces_of_a"
    (faces / "more").mkdir(parents=True)
    for name in ("one.png", "two.png", "more/three.png"):
        Image.fromarray((torch.rand(16, 16) * 255).byte().numpy(), "L").save(faces / name)
    ckpt = tmp_path / "run" / "checkpoints" / "last.ckpt"
    for direction in ("AtoB", "BtoA"):
        out = tmp_path / direction
        status, stderr = cli_in_process(
            ["translate", f"ckpt={ckpt}", f"input={faces}", f"out={out}", f"direction={direction}"]
        )
        assert status == 0, stderr
        written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
        assert written == ["more/three.png", "one.png", "two.png"]
        assert Image.open(out / "one.png").size == (16, 16)
