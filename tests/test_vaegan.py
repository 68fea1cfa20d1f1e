"""VAE-GAN (Larsen et al., 2016): the feature likelihood against its formula, D's features read
where the formula says, each network's gradient the paper's per-network loss, and samples that a
digits classifier finds closer to the digits than a VAE's at equal steps."""

import pytest
import torch

from genlab.errors import GenlabError
from genlab.nn.gan import dcgan_discriminator
from genlab.nn.layer_input import LastLayerInput
from genlab.objectives.feature_likelihood import feature_nll
from genlab.objectives.kl import gaussian_kl
from genlab.run.train import build
from tests.conftest import compose_train, domain_fid, fit

DIGITS_16 = ["model=vaegan", "dataset.image_size=16"]


def widths(width: int) -> list[str]:
    return [f"model.{net}.width={width}" for net in ("generator", "discriminator", "encoder")]


TINY = [*DIGITS_16, *widths(8)]


def test_the_feature_likelihood_is_half_the_squared_feature_distance_per_example():
    real, reconstructed = torch.randn(3, 4, 2, 2), torch.randn(3, 4, 2, 2)
    expected = torch.stack([0.5 * ((r - f) ** 2).sum() for r, f in zip(real, reconstructed, strict=True)])
    torch.testing.assert_close(feature_nll(real, reconstructed), expected)
    assert feature_nll(real, real).abs().max() == 0


def test_d_features_are_the_input_of_its_last_layer_from_the_same_pass():
    torch.manual_seed(0)
    d = dcgan_discriminator((1, 16, 16), width=8).train()
    x = torch.randn(5, 1, 16, 16)
    out, features = LastLayerInput(d, "D")(x)
    torch.testing.assert_close(features, d[:-2](x))  # everything before the final conv and the flatten
    torch.testing.assert_close(out, d[-2:](features))
    with pytest.raises(GenlabError, match="no Linear or Conv2d layer"):
        LastLayerInput(torch.nn.ReLU(), "model.discriminator")


def test_each_network_takes_the_papers_own_loss(tmp_path):
    """Encoder: L_prior + L_llike. Decoder: γ·L_llike + the adversarial losses on x̃ and x_p. One
    backward pass of the model's terms gives exactly these gradients (γ = 0.01)."""
    model = build(compose_train(TINY, tmp_path).model)
    real = torch.rand(8, 1, 16, 16) * 2 - 1
    encoder, decoder = list(model.encoder.parameters()), list(model.generator.parameters())

    torch.manual_seed(1)
    terms = model.generator_play(real, [real])
    got = torch.autograd.grad(sum(terms.values()), encoder + decoder)

    torch.manual_seed(1)
    mu, logvar = model.posterior(real)
    z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
    z_prior = torch.randn_like(mu)
    _, features = model.judged(torch.cat([real, model.generator(z)]))
    llike = feature_nll(*features.chunk(2)).mean()
    d_rec, d_prior = model.discriminator(model.generator(z)), model.discriminator(model.generator(z_prior))
    adversarial = model.objective.generator(None, d_rec) + model.objective.generator(None, d_prior)
    for_encoder = torch.autograd.grad(gaussian_kl(mu, logvar).mean() + llike, encoder, retain_graph=True)
    for_decoder = torch.autograd.grad(model.gamma * llike + adversarial, decoder)
    for mine, theirs in zip(got, for_encoder + for_decoder, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-6)


def test_a_non_positive_gamma_is_refused_in_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"^model.gamma=0 must be > 0"):
        build(compose_train([*TINY, "model.gamma=0"], tmp_path).model)


@pytest.fixture(scope="module")
def judge(tmp_path_factory) -> str:
    """A 16-px digits classifier trained for 400 steps: a feature space in which blur is far from
    a digit (the 30-step `classifier_ckpt` of the metric tests ranks a VAE's blurred samples above
    a DCGAN's)."""
    out = tmp_path_factory.mktemp("judge")
    fit(["model=classifier", "dataset.image_size=16", "trainer.max_steps=400"], out)
    return str(out / "checkpoints" / "last.ckpt")


@pytest.mark.slow
def test_vaegan_samples_are_closer_to_the_digits_than_the_vaes_at_equal_steps(tmp_path, judge):
    """16-px digits, 10 epochs (250 batches) each, 16 latents each (the VAE's default conv net;
    VAE-GAN's DCGAN networks at width 32), domain FID of 300 samples. Measured, seeds 0–2: VAE-GAN
    255, 201, 210 against the VAE's 378, 233, 251 (ratios 0.67, 0.86, 0.84; with a 1500-step judge
    664, 533, 579 against 964, 619, 644). Asked: lower at every seed, 10 % lower on average."""
    ratios = []
    for seed in range(3):
        vae, vaegan = tmp_path / f"vae{seed}", tmp_path / f"vaegan{seed}"
        fit(["model=vae", "dataset.image_size=16", "trainer.max_epochs=10", f"seed={seed}"], vae)
        fit([*DIGITS_16, *widths(32), "trainer.max_epochs=10", f"seed={seed}"], vaegan)
        ratios.append(domain_fid(vaegan, judge, tmp_path / "cache") / domain_fid(vae, judge, tmp_path / "cache"))
    assert max(ratios) < 1 and sum(ratios) / 3 <= 0.9, ratios
