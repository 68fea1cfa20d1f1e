"""StyleGAN and StyleGAN2: the networks' shapes and noise, minibatch std, style mixing, truncation
in W, the path-length penalty against its closed form, and learning digits."""

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from genlab.checkpoint import read_checkpoint, rebuild_model
from genlab.errors import GenlabError
from genlab.models.adversarial.stylegan import mix_styles
from genlab.nn.minibatch import minibatch_stddev
from genlab.nn.residual_discriminator import ResidualDiscriminator
from genlab.nn.style import MappingNetwork
from genlab.nn.synthesis import AdaINSynthesis, SkipSynthesis, StyleGenerator
from genlab.objectives.path_length import PathLength
from genlab.run.evaluate import evaluate
from genlab.run.sample import sample
from genlab.run.train import assemble
from tests.conftest import SMALL_STYLEGAN as SMALL
from tests.conftest import compose_command, compose_train, domain_fid, fit


@pytest.mark.parametrize("synthesis", [SkipSynthesis, AdaINSynthesis])
@pytest.mark.parametrize(("side", "num_ws"), [(16, 6), (28, 8), (32, 8)])
def test_synthesis_takes_two_styles_per_resolution_and_paints_the_data_shape(synthesis, side, num_ws):
    torch.manual_seed(0)
    net = synthesis((3, side, side), w_dim=12, channel_base=256, channel_max=16)
    assert net.num_ws == num_ws
    assert {index for index, _ in net.style_layers()} == set(range(num_ws)), "every style input is read"
    ws = torch.randn(2, num_ws, 12)
    assert net(ws).shape == (2, 3, side, side)
    assert ResidualDiscriminator((3, side, side), channel_base=256, channel_max=16)(net(ws)).shape == (2,)


def test_fixed_noise_paints_the_same_image_and_random_noise_does_not():
    torch.manual_seed(0)
    net = SkipSynthesis((1, 16, 16), w_dim=8, channel_base=128, channel_max=8)
    ws = torch.randn(2, net.num_ws, 8)
    torch.testing.assert_close(net(ws, "random"), net(ws, "none")), "noise strengths start at 0"
    with torch.no_grad():
        for module in net.modules():
            if hasattr(module, "strength"):
                module.strength.fill_(1.0)
    torch.testing.assert_close(net(ws, "const"), net(ws, "const"))
    assert not torch.allclose(net(ws, "random"), net(ws, "random"))


def test_minibatch_stddev_appends_the_spread_of_each_group():
    same = torch.randn(1, 3, 4, 4).expand(6, -1, -1, -1)
    assert minibatch_stddev(same).shape == (6, 4, 4, 4)
    assert minibatch_stddev(same)[:, -1].abs().max() < 1e-3, "identical samples: no spread"
    x = torch.randn(6, 3, 4, 4)  # batch 6: groups of 3, the largest size ≤ 4 that divides it
    group = x.reshape(3, 2, 3, 4, 4)
    expected = group.std(dim=0, unbiased=False).mean(dim=(1, 2, 3))
    torch.testing.assert_close(minibatch_stddev(x)[:, -1, 0, 0], expected.repeat(3), atol=1e-5, rtol=1e-4)


def test_style_mixing_switches_codes_at_the_crossover_and_the_last_crossover_mixes_nothing():
    w, other = torch.randn(3, 5), torch.randn(3, 5)
    torch.testing.assert_close(mix_styles(w, other, torch.full((3,), 4), 4), w[:, None].expand(-1, 4, -1))
    mixed = mix_styles(w, other, torch.tensor([1, 2, 3]), 4)
    for i, crossover in enumerate([1, 2, 3]):
        assert torch.equal(mixed[i, :crossover], w[i].expand(crossover, -1))
        assert torch.equal(mixed[i, crossover:], other[i].expand(4 - crossover, -1))


def test_the_path_length_penalty_matches_its_closed_form_for_a_linear_generator():
    """g(ws) = reshape(vec(ws) · s·Qᵀ) with orthonormal Q: ‖J_wᵀ y‖ = c·χ_k with k = num_ws·w_dim and
    c = s/√(H·W·num_ws), so E[(‖J_wᵀ y‖ − a)²] = c²k − 2a·c·√2·Γ((k+1)/2)/Γ(k/2) + a²."""
    torch.manual_seed(0)
    num_ws, w_dim, side, s, n = 2, 8, 8, 3.0, 20000
    k = num_ws * w_dim
    q, _ = torch.linalg.qr(torch.randn(side * side, k, dtype=torch.float64))
    ws = torch.randn(n, num_ws, w_dim, dtype=torch.float64, requires_grad=True)
    images = (ws.flatten(1) @ (s * q.T)).reshape(n, 1, side, side)
    c = s / math.sqrt(side * side * num_ws)
    mean_length = c * math.sqrt(2) * math.exp(math.lgamma((k + 1) / 2) - math.lgamma(k / 2))
    a = 0.6 * mean_length
    penalty = PathLength(decay=1e-12).double()
    penalty.mean.fill_(a)
    analytic = c**2 * k - 2 * a * mean_length + a**2
    assert penalty.penalty_of(images, ws).item() == pytest.approx(analytic, rel=0.05)
    assert penalty.mean.item() == pytest.approx(a, rel=1e-6), "a tiny decay leaves the running mean"


def test_stylegan_refusals_are_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"style_mixing=1\.5 must be a probability"):
        assemble(compose_train([*SMALL, "model.style_mixing=1.5"], tmp_path))
    with pytest.raises(GenlabError, match="not toy2d"):
        assemble(compose_train(["model=stylegan2", "dataset=toy2d"], tmp_path))
    with pytest.raises(GenlabError, match=r"w_avg_decay=1\.0 must be in"):
        StyleGenerator(MappingNetwork(4, 4, 1), SkipSynthesis((1, 16, 16), 4, 64, 4), 4, w_avg_decay=1.0)


@pytest.fixture
def tiny_stylegan(stylegan_ckpt):
    """The tiny run's model as `genlab sample` rebuilds it from the checkpoint."""
    return rebuild_model(read_checkpoint(stylegan_ckpt))


def test_training_tracks_the_mean_style_and_the_path_length_mean(tiny_stylegan):
    assert tiny_stylegan.mean_style().abs().sum() > 0, "w̄ moved from its zero start"
    assert tiny_stylegan.path_length.mean > 0


def test_truncation_in_w_at_psi_0_paints_the_mean_style_and_at_psi_1_changes_nothing(tiny_stylegan):
    z = torch.randn(4, tiny_stylegan.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        centre = tiny_stylegan.decode_truncated(z, 0.0)
        mean_image = tiny_stylegan.synthesize(tiny_stylegan.broadcast(tiny_stylegan.mean_style()[None]))
        torch.testing.assert_close(centre, mean_image.expand(4, -1, -1, -1), atol=1e-5, rtol=0)
        torch.testing.assert_close(tiny_stylegan.decode_truncated(z, 1.0), tiny_stylegan.decode(z), atol=1e-5, rtol=0)
        assert not torch.allclose(tiny_stylegan.decode(z)[0], tiny_stylegan.decode(z)[1])


@pytest.mark.slow
def test_stylegan2_preset_learns_digits(tmp_path, classifier_ckpt):
    """The CPU preset at 16 px (the domain classifier's size), batch 32: measured domain FID
    (300 samples of the EMA) 486 after one step of each player, 40 after 200 optimiser steps
    (100 of G, 26 s) and 31 after 400; no NaN."""
    preset = ["experiment=stylegan2_digits", "dataset.image_size=16"]
    fit([*preset, "trainer.max_steps=2"], tmp_path / "start")
    run = fit([*preset, "trainer.max_steps=200"], tmp_path / "trained")
    assert all(torch.isfinite(p).all() for p in run.model.parameters())
    start = domain_fid(tmp_path / "start", classifier_ckpt, tmp_path / "cache")
    trained = domain_fid(tmp_path / "trained", classifier_ckpt, tmp_path / "cache")
    assert trained < start / 4, (start, trained)


def test_eval_reports_ppl_in_w_beside_ppl_in_z(stylegan_ckpt, classifier_ckpt, tmp_path):
    args = [f"ckpt={stylegan_ckpt}", f"classifier={classifier_ckpt}", "metrics=[ppl,ppl_w]", "ppl_samples=64"]
    report = evaluate(compose_command("eval", [*args, f"out={tmp_path / 'ppl.json'}", "n=64"]))
    z, w = json.loads(report.read_text())["records"]
    assert (z["name"], w["name"]) == ("ppl[digits-classifier]", "ppl[w,digits-classifier]")
    assert w["settings"] == {"space": "w", "interpolation": "lerp", "sampling": "end", "epsilon": 1e-4}
    assert z["settings"]["space"] == "z" and z["value"] > 0 and w["value"] > 0
    assert z["value"] != w["value"]


def test_ppl_in_w_needs_a_style_space(tmp_path, classifier_ckpt):
    fit(["model=dcgan", "dataset.image_size=16", "model.generator.width=8", "model.discriminator.width=8",
         "trainer.max_steps=2"], tmp_path)  # fmt: skip
    args = [f"ckpt={tmp_path / 'checkpoints' / 'last.ckpt'}", f"classifier={classifier_ckpt}", "metrics=[ppl_w]"]
    with pytest.raises(GenlabError, match="no HasStyleSpace capability, so it cannot give PPL in W"):
        evaluate(compose_command("eval", [*args, "n=64", "ppl_samples=16"]))


def test_the_celeba_preset_scales_r1_gamma_with_the_image_side_and_batch(tmp_path):
    cfg = compose_train(["experiment=stylegan2_celeba64"], tmp_path)
    assert cfg.model.regularisers.r1.weight == pytest.approx(0.0002 * 64**2 / 32)
    overrides = ["experiment=stylegan2_celeba64", "dataset.image_size=128", "dataset.batch_size=64"]
    assert compose_train(overrides, tmp_path).model.regularisers.r1.weight == pytest.approx(0.0002 * 128**2 / 64)


def test_genlab_sample_truncates_a_stylegan_in_w(stylegan_ckpt, tiny_stylegan, tmp_path):
    args = [f"ckpt={stylegan_ckpt}", "n=2", "nrow=2", "truncation=0.5", f"out={tmp_path / 'grid.png'}"]
    grid = np.asarray(Image.open(sample(compose_command("sample", args))).convert("L"), dtype=np.float32) / 255
    z = torch.randn(2, tiny_stylegan.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        w = tiny_stylegan.mean_style().lerp(tiny_stylegan.map_codes(z), 0.5)
        expected = tiny_stylegan.synthesize(tiny_stylegan.broadcast(w))[:, 0]
    drawn = torch.stack([torch.from_numpy(grid[2:18, 2:18]), torch.from_numpy(grid[2:18, 20:36])])
    torch.testing.assert_close(drawn, expected, atol=1 / 255 + 1e-6, rtol=0)
