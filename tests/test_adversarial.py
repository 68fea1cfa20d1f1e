"""The GAN family: each objective against its formula, the discriminator regularisers, the
networks, and the composed trainer (clipping holds, the vanilla GAN covers the 8 modes)."""

import math

import pytest
import torch
from PIL import Image
from torch import nn

from genlab.data.base import first_examples
from genlab.data.digits import DigitsDataModule
from genlab.errors import GenlabError
from genlab.metrics.modes import mode_coverage
from genlab.nn.gan import apply_spectral_norm, dcgan_discriminator, dcgan_generator, mlp_discriminator
from genlab.objectives.adversarial import OBJECTIVES
from genlab.objectives.discriminator_penalties import clip_weights, dragan_penalty, gradient_penalty, r1_penalty
from genlab.run.train import assemble
from tests.conftest import compose_train, fit

REAL, FAKE = [2.0, -1.0], [0.5, -0.5]
LONG_RUN = ["trainer.max_epochs=1000"]  # trainer.max_steps decides the length


def sig(t: float) -> float:
    return 1 / (1 + math.exp(-t))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


# (discriminator loss, generator loss) written out from the papers, on REAL and FAKE above
EXPECTED = {
    "minimax": (
        mean(-math.log(sig(r)) for r in REAL) + mean(-math.log(1 - sig(f)) for f in FAKE),
        mean(math.log(1 - sig(f)) for f in FAKE),
    ),
    "non_saturating": (
        mean(-math.log(sig(r)) for r in REAL) + mean(-math.log(1 - sig(f)) for f in FAKE),
        mean(-math.log(sig(f)) for f in FAKE),
    ),
    "wasserstein": (mean(FAKE) - mean(REAL), -mean(FAKE)),
    "hinge": (mean(max(0, 1 - r) for r in REAL) + mean(max(0, 1 + f) for f in FAKE), -mean(FAKE)),
    "least_squares": (
        0.5 * mean((r - 1) ** 2 for r in REAL) + 0.5 * mean(f**2 for f in FAKE),
        0.5 * mean((f - 1) ** 2 for f in FAKE),
    ),
    "relativistic": (
        mean(-math.log(sig(r - f)) for r, f in zip(REAL, FAKE, strict=True)),
        mean(-math.log(sig(f - r)) for r, f in zip(REAL, FAKE, strict=True)),
    ),
    "relativistic_average": (
        mean(-math.log(sig(r - mean(FAKE))) for r in REAL) + mean(-math.log(1 - sig(f - mean(REAL))) for f in FAKE),
        mean(-math.log(sig(f - mean(REAL))) for f in FAKE) + mean(-math.log(1 - sig(r - mean(FAKE))) for r in REAL),
    ),
}


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_objective_matches_its_formula(name):
    assert set(EXPECTED) == set(OBJECTIVES)
    objective = OBJECTIVES[name]
    real, fake = torch.tensor(REAL, dtype=torch.float64), torch.tensor(FAKE, dtype=torch.float64)
    d_expected, g_expected = EXPECTED[name]
    assert objective.discriminator(real, fake).item() == pytest.approx(d_expected, rel=1e-9)
    assert objective.generator(real, fake).item() == pytest.approx(g_expected, rel=1e-9)


def test_one_sided_label_smoothing_changes_only_the_real_term():
    real, fake = torch.tensor(REAL), torch.tensor(FAKE)
    smoothed = OBJECTIVES["non_saturating"].discriminator(real, fake, torch.full((2,), 0.9))
    expected = mean(-(0.9 * math.log(sig(r)) + 0.1 * math.log(1 - sig(r))) for r in REAL) + mean(
        -math.log(1 - sig(f)) for f in FAKE
    )
    assert smoothed.item() == pytest.approx(expected, rel=1e-6)


def test_gradient_penalty_on_a_linear_critic():
    torch.manual_seed(0)
    w = torch.randn(3, 4, 4)
    critic = lambda x: (x * w).flatten(1).sum(1)  # noqa: E731 — ∇D(x) = w everywhere
    real, fake = torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4)
    expected = (w.norm() - 1) ** 2  # the norm is over all non-batch dimensions together
    torch.testing.assert_close(gradient_penalty(critic, real, fake), expected)
    torch.testing.assert_close(r1_penalty(critic, real), w.norm() ** 2)


def test_dragans_penalty_matches_its_formula_on_a_linear_critic_at_points_near_the_real_data():
    torch.manual_seed(0)
    w = torch.randn(3, 4, 4)
    seen = []

    def critic(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.detach())
        return (x * w).flatten(1).sum(1)  # ∇D(x) = w everywhere

    real = torch.randn(64, 3, 4, 4)
    torch.testing.assert_close(dragan_penalty(critic, real), (w.norm() - 1) ** 2)
    offset = seen[0] - real  # α·0.5·std(x)·U(0, 1): non-negative, at most half a standard deviation
    assert offset.min() >= 0 and offset.max() <= 0.5 * real.std() + 1e-6 and offset.max() > 0.25 * real.std()


def test_spectral_norm_bounds_the_largest_singular_value():
    torch.manual_seed(0)
    layer = nn.Linear(20, 30)
    with torch.no_grad():
        layer.weight.mul_(10)
    net = apply_spectral_norm(nn.Sequential(layer))
    for _ in range(30):  # power iteration runs once per forward pass in training mode
        net(torch.randn(4, 20))
    assert torch.linalg.matrix_norm(net[0].weight.detach(), ord=2).item() == pytest.approx(1.0, abs=1e-2)


def test_weight_clipping_bounds_every_parameter():
    net = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 1)
    clip_weights(net, 0.01)
    assert all(p.abs().max() <= 0.01 for p in net.parameters())


@pytest.mark.parametrize("size", [16, 32, 64, 28])
def test_dcgan_networks_fit_the_image_size(size):
    """Sides between two 4·2^k sizes (MNIST's 28) are padded to the next one and cropped back."""
    g, d = dcgan_generator((3, size, size), latent_dim=10, width=8), dcgan_discriminator((3, size, size), width=8)
    images = g(torch.randn(2, 10))
    assert images.shape == (2, 3, size, size) and images.abs().max() <= 1
    assert d(images).shape == (2,)
    with pytest.raises(GenlabError, match="side 8 or more"):
        dcgan_generator((1, 6, 6), 10)


def test_wgan_keeps_critic_weights_clipped_through_training(tmp_path):
    run = fit(
        [
            "model=wgan",
            "dataset.image_size=16",
            "model.generator.width=8",
            "model.discriminator.width=8",
            "trainer.max_steps=12",
        ],
        tmp_path,
    )
    assert run.model.g_steps == 2  # 12 optimiser steps = 10 critic steps + 2 generator steps (n_critic=5)
    assert all(p.abs().max() <= 0.01 + 1e-7 for p in run.model.discriminator.parameters())


@pytest.mark.slow
def test_vanilla_gan_covers_the_eight_gaussians(tmp_path):
    overrides = ["model=gan", "dataset=toy2d", "model.latent_dim=2", "trainer.max_steps=2000", "trainer.max_epochs=100"]
    run = fit(overrides, tmp_path)
    with torch.no_grad():
        samples = run.model.sample(2000, torch.Generator().manual_seed(0))
    coverage = mode_coverage(samples, run.datamodule.modes, radius=0.2, min_count=20)
    # measured: 8 of 8 from step 600; within 0.2 of a mode 60 % at step 1500, 71 % at 2100, 78 % at 3000
    assert coverage.modes_covered >= 7, coverage
    assert coverage.high_quality > 0.5, coverage


@pytest.mark.slow
def test_wgan_gp_covers_the_eight_gaussians(tmp_path):
    """The shipped experiment (λ=0.1, as in Gulrajani et al.'s toy code; λ=10 stalls at 2 of 8 modes)."""
    run = fit(["experiment=wgan_gp_8gaussians", "trainer.max_steps=4200"], tmp_path)
    assert run.model.g_steps == 700  # n_critic=5: one generator step in six optimiser steps
    with torch.no_grad():
        samples = run.model.sample(2000, torch.Generator().manual_seed(0))
    coverage = mode_coverage(samples, run.datamodule.modes, radius=0.2, min_count=20)
    # measured: 1 of 8 modes at step 2400, 6 at 3000, 8 from 3600 on (23 % of samples within 0.2
    # of a mode at 4200, 33 % at 6000)
    assert coverage.modes_covered >= 7, coverage


@pytest.mark.slow
def test_bigan_encoder_inverts_the_generator_on_eight_gaussians(tmp_path):
    """At BiGAN's optimum E = G⁻¹, so G(E(x)) should land in the mode x came from."""
    run = fit(["model=bigan", "dataset=toy2d", "model.latent_dim=2", *LONG_RUN, "trainer.max_steps=8000"], tmp_path)
    x = first_examples(run.datamodule.val_set, 1000)
    with torch.no_grad():
        recon = run.model.reconstruct(x)
    modes = run.datamodule.modes
    same_mode = (torch.cdist(recon, modes).argmin(1) == torch.cdist(x, modes).argmin(1)).float().mean().item()
    # chance: 1/8. After 2000 generator steps the inversion was still a coin toss: 0.99, 0.87, 0.52 and
    # 0.12 over seeds 42, 0, 1, 2, and 0.0 at seed 42 once a change of kernels moved the numbers (a
    # CI failure). After 4000 it holds: 0.65, 0.62, 1.0, 0.76, 1.0 over seeds 42, 0-3, 0.88 with the
    # other kernels; E never settles on exactly G⁻¹ (ALI's known looseness), so 0.3 (2.4× chance)
    assert same_mode > 0.3, same_mode


def test_the_progress_bar_shows_both_players_losses(tmp_path):
    bar = "+callbacks.progress._target_=genlab.callbacks.progress.TermsProgressBar"
    run = fit(["model=gan", "dataset=toy2d", "trainer.max_steps=4", bar, "trainer.enable_progress_bar=true"], tmp_path)
    shown = set(run.trainer.progress_bar_callback.get_metrics(run.trainer, run.model))
    assert {"train/d_loss_step", "train/g_loss_step"} <= shown and not any("d_real" in key for key in shown)


def test_generator_ema_averages_the_generator_only_and_is_what_samples_use(tmp_path):
    run = fit(["model=gan", "dataset=toy2d", "model.ema_decay=0.9", "trainer.max_steps=20"], tmp_path)
    model = run.model
    ema_params = dict(model.generator_ema.module.named_parameters())
    assert ema_params.keys() == dict(model.generator.named_parameters()).keys()
    assert not any(p.requires_grad for p in ema_params.values())
    assert int(model.generator_ema.n_averaged) == model.g_steps == 10
    z = torch.randn(8, model.latent_dim, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        samples = model.sample(8, torch.Generator().manual_seed(3))
        torch.testing.assert_close(samples, model.generator_ema(z))
        assert not torch.allclose(samples, model.generator(z)), "the average lags the live generator"


@pytest.mark.slow
def test_trained_discriminator_approaches_the_optimal_one():
    """Goodfellow et al., Proposition 1: for fixed G, D*(x) = p_data(x) / (p_data(x) + p_g(x)).

    1-D data ~ N(−1, 1), a fixed generator producing N(1, 1); D trained with the minimax
    discriminator loss alone. The optimum is σ(−2x), so D's logit should approach −2x.
    """
    torch.manual_seed(0)
    d = mlp_discriminator((1,), hidden=(32, 32))
    optimizer = torch.optim.Adam(d.parameters(), lr=3e-3)
    for _ in range(1500):
        real, fake = torch.randn(512, 1) - 1, torch.randn(512, 1) + 1
        loss = OBJECTIVES["minimax"].discriminator(d(real), d(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x = torch.linspace(-2, 2, 41).unsqueeze(1)
    with torch.no_grad():
        learned = torch.sigmoid(d(x))
    optimal = torch.sigmoid(-2 * x.squeeze(1))
    assert (learned - optimal).abs().max() < 0.05, (learned - optimal).abs().max()  # measured: 0.008


@pytest.fixture(scope="module")
def digits_classifier() -> nn.Module:
    """A small MLP trained on the 16-px digits (97% held-out accuracy at this seed)."""
    torch.manual_seed(0)
    dm = DigitsDataModule(name="digits", shape=(1, 16, 16), image_size=16, seed=0)
    dm.setup()
    x, y = (torch.stack(t) for t in zip(*(dm.train_set[i] for i in range(len(dm.train_set))), strict=True))
    classifier = nn.Sequential(nn.Flatten(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(classifier.parameters(), 1e-3)
    for _ in range(400):
        idx = torch.randint(len(x), (128,))
        loss = nn.functional.cross_entropy(classifier(x[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    xv, yv = (torch.stack(t) for t in zip(*(dm.val_set[i] for i in range(len(dm.val_set))), strict=True))
    assert (classifier(xv).argmax(1) == yv).float().mean() > 0.9
    return classifier.eval()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "steps"),
    # measured: cgan 0.89 at 2000 steps (0.97 after 5000); acgan 0.95 at 1000 (0.996 at 2000)
    [("cgan", 2000), ("acgan", 1000)],
)
def test_conditional_samples_show_the_conditioning_class(tmp_path, digits_classifier, model, steps):
    run = fit([f"model={model}", "dataset.image_size=16", *LONG_RUN, f"trainer.max_steps={steps}"], tmp_path)
    labels = torch.arange(10).repeat_interleave(50)
    with torch.no_grad():
        images = run.model.decode(torch.randn(500, run.model.latent_dim), labels)
        accuracy = (digits_classifier(images).argmax(1) == labels).float().mean().item()
    assert accuracy >= 0.7, accuracy
    grid = run.model.sample(64)
    assert grid.shape == (64, 1, 16, 16) and run.model.grid_nrow(64) == 6  # one class per row


@pytest.mark.slow
def test_dynamics_experiment_writes_frames_gif_and_mode_coverage(tmp_path):
    overrides = [
        "experiment=gan_8gaussians",
        "trainer.max_epochs=2",
        "dataset.n_samples=2000",
        "logger=none",
        "callbacks.progress=null",
        "trainer.enable_progress_bar=false",
    ]
    run = assemble(compose_train(overrides, tmp_path))
    run.trainer.fit(run.model, datamodule=run.datamodule)
    frames = sorted((tmp_path / "images" / "dynamics").glob("step_*.png"))
    assert len(frames) == 2
    with Image.open(tmp_path / "images" / "dynamics.gif") as gif:
        assert gif.n_frames == 2
    metrics = run.trainer.callback_metrics
    assert 0 <= metrics["val/modes_covered"] <= 8 and 0 <= metrics["val/high_quality"] <= 1
