"""DDPM's lecture formulas, checked against the schedule and samplers genlab runs (diffusers'
schedulers): the forward process in closed form vs iterating the chain, the posterior's mean and
variance, ᾱ_T of the linear schedule, and each sampler recovering a Gaussian from the analytic
optimal ε-predictor; then the model: it learns 8 Gaussians and digits (domain FID), samples with a chosen sampler, and
exports to a diffusers pipeline that loads and samples."""

import json
import re

import pytest
import torch

from genlab.data.base import first_examples
from genlab.diffusion.samplers import AncestralSampler, DDIMSampler, DPMSolverSampler, build_sampler
from genlab.diffusion.schedule import NoiseSchedule
from genlab.errors import GenlabError
from genlab.metrics.modes import mode_coverage
from genlab.run.evaluate import evaluate
from genlab.run.export import export
from genlab.run.sample import sample
from genlab.run.train import assemble
from tests.conftest import compose_command, compose_train, domain_fid, fit

LINEAR = NoiseSchedule()


def test_iterating_the_chain_matches_the_closed_form_q_xt_given_x0():
    """x_t = √(1−β_t) x_{t−1} + √β_t ε: mean and variance after t steps, against √ᾱ_t x₀ and 1 − ᾱ_t."""
    betas = LINEAR.betas.double()
    alpha_bar = torch.cumprod(1 - betas, 0)
    x0, mean, variance = 0.7, 0.7, 0.0
    for t, beta in enumerate(betas):
        mean, variance = (1 - beta).sqrt() * mean, (1 - beta) * variance + beta
        assert abs(mean - alpha_bar[t].sqrt() * x0) <= 1e-10 and abs(variance - (1 - alpha_bar[t])) <= 1e-10
    torch.testing.assert_close(LINEAR.alphas_cumprod.double(), alpha_bar, rtol=1e-5, atol=1e-7)


def test_the_linear_schedule_ends_almost_at_pure_noise():
    assert LINEAR.alphas_cumprod[-1].item() == pytest.approx(4.04e-5, rel=0.01)


def test_add_noise_is_the_closed_form_and_v_is_its_velocity():
    x0, noise, t = torch.randn(5, 3), torch.randn(5, 3), torch.tensor([0, 10, 100, 500, 999])
    a = LINEAR.alphas_cumprod[t][:, None]
    torch.testing.assert_close(LINEAR.add_noise(x0, noise, t), a.sqrt() * x0 + (1 - a).sqrt() * noise)
    v = NoiseSchedule(prediction="v_prediction").target(x0, noise, t)
    torch.testing.assert_close(v, a.sqrt() * noise - (1 - a).sqrt() * x0)
    assert torch.equal(LINEAR.target(x0, noise, t), noise)


@pytest.mark.parametrize("t", [1, 50, 500, 999])
def test_an_ancestral_step_has_the_posterior_mean_and_variance(t):
    """x_{t−1} = μ̃_t(x_t, x̂₀) + σ_t z with μ̃_t = √ᾱ_{t−1}β_t/(1−ᾱ_t) x̂₀ + √α_t(1−ᾱ_{t−1})/(1−ᾱ_t) x_t
    and σ_t² = β̃_t = (1−ᾱ_{t−1})/(1−ᾱ_t) β_t, where x̂₀ = (x_t − √(1−ᾱ_t) ε̂)/√ᾱ_t."""
    scheduler = AncestralSampler().scheduler(LINEAR)
    beta, a, a_prev = LINEAR.betas[t], LINEAR.alphas_cumprod[t], LINEAR.alphas_cumprod[t - 1]
    x_t, eps = torch.randn(4, 2), torch.randn(4, 2)
    stepped = scheduler.step(eps, t, x_t, generator=torch.Generator().manual_seed(3)).prev_sample
    z = torch.randn(4, 2, generator=torch.Generator().manual_seed(3))
    x0_hat = (x_t - (1 - a).sqrt() * eps) / a.sqrt()
    mean = a_prev.sqrt() * beta / (1 - a) * x0_hat + (1 - beta).sqrt() * (1 - a_prev) / (1 - a) * x_t
    sigma = ((1 - a_prev) / (1 - a) * beta).sqrt()
    torch.testing.assert_close(stepped, mean + sigma * z, rtol=1e-4, atol=1e-5)


def optimal_epsilon(mu: torch.Tensor, s: float, schedule: NoiseSchedule):
    """E[ε | x_t] for data x₀ ~ N(μ, s² I): √(1−ᾱ_t)(x_t − √ᾱ_t μ) / (ᾱ_t s² + 1 − ᾱ_t)."""

    def predict(x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        a = schedule.alphas_cumprod[t][:, None]
        return (1 - a).sqrt() * (x_t - a.sqrt() * mu) / (a * s**2 + 1 - a)

    return predict


@pytest.mark.parametrize(
    ("sampler", "std_tolerance"),
    [(AncestralSampler(), 0.05), (DDIMSampler(steps=50), 0.12), (DPMSolverSampler(steps=20), 0.2)],
    ids=["ddpm-1000", "ddim-50", "dpm-20"],
)
def test_each_sampler_recovers_a_gaussian_from_the_optimal_denoiser(sampler, std_tolerance):
    """Measured std/s: DDPM-1000 0.99/0.98; DDIM-50 0.91/0.93; DPM-Solver++-20 0.85/0.87 (few
    deterministic steps narrow a narrow distribution: their last steps near t = 0 are coarse;
    DDIM-200 gives 0.97/0.995 and DPM-50 0.97/1.00)."""
    mu, s = torch.tensor([1.5, -0.5]), 0.3
    x = sampler.sample(optimal_epsilon(mu, s, LINEAR), LINEAR, (4000, 2), torch.Generator().manual_seed(0))
    assert (x.mean(0) - mu).abs().max() < 0.02, x.mean(0)
    assert (x.std(0) / s - 1).abs().max() < std_tolerance, x.std(0)


def test_samplers_are_chosen_by_name_and_refuse_impossible_step_counts():
    assert isinstance(build_sampler("ddim", 10), DDIMSampler) and build_sampler("dpm", None).steps == 20
    with pytest.raises(GenlabError, match="sampler=euler is not one of ddpm, ddim, dpm"):
        build_sampler("euler", 10)
    with pytest.raises(GenlabError, match="steps=0 must be a positive"):
        build_sampler("ddim", 0)
    with pytest.raises(GenlabError, match="steps=2000 exceeds the schedule's 1000 timesteps"):
        DDIMSampler(steps=2000).scheduler(LINEAR)


TINY_UNET = ["model=ddpm", "dataset.image_size=16", "model.network.widths=[8,16]", "model.network.groups=4"]


@pytest.mark.slow
def test_ddpm_carries_noise_onto_the_eight_gaussians(tmp_path):
    """The experiment's 40 epochs (2800 steps, 12 s): measured 8 of 8 modes, 56 % of 1000 samples
    within 0.2 of a mode (20 epochs: 6 of 8, 22 %)."""
    run = fit(["experiment=ddpm_8gaussians"], tmp_path)
    with torch.no_grad():
        samples = run.model.sample(1000, torch.Generator().manual_seed(0))
    coverage = mode_coverage(samples, run.datamodule.modes, radius=0.2, min_count=20)
    assert coverage.modes_covered == 8 and coverage.high_quality > 0.45, coverage


@pytest.mark.slow
def test_the_2d_ddpm_experiment_reports_its_modes_and_draws_them(tmp_path):
    """experiment=ddpm_8gaussians promised all 8 modes but reported only val/loss: it logs mode
    coverage and draws a frame every 5 epochs, then the GIF, as the GAN 2-D experiments do."""
    quiet = ["logger=none", "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false"]
    short = ["trainer.max_epochs=5", "model.sampler.steps=20"]
    cfg = compose_train([*quiet, "experiment=ddpm_8gaussians", *short], tmp_path)
    run = assemble(cfg)
    run.trainer.fit(run.model, datamodule=run.datamodule)
    assert {"val/modes_covered", "val/high_quality"} <= set(run.trainer.callback_metrics)
    assert len(list((tmp_path / "images" / "dynamics").glob("step_*.png"))) == 1
    assert (tmp_path / "images" / "dynamics.gif").is_file()


DDIM_20 = ("sampler=ddim", "steps=20")


@pytest.mark.slow
def test_ddpm_domain_fid_falls_as_it_learns_digits(tmp_path, classifier_ckpt):
    """16-px digits, U-Net [16, 32], lr 1e-3, default warmed-up EMA: measured FID (DDIM-20, 300
    samples) 199 after one step and 28 after 15 epochs (375 steps, 36 s); with a fixed, unwarmed
    EMA decay of 0.999 it stayed at 198."""
    small = ["model=ddpm", "dataset.image_size=16", "model.network.widths=[16,32]", "model.network.groups=4"]
    fit([*small, "trainer.max_steps=1"], tmp_path / "start")
    fit([*small, "optimizer.lr=1e-3", "trainer.max_epochs=15"], tmp_path / "trained")
    start = domain_fid(tmp_path / "start", classifier_ckpt, tmp_path / "cache", *DDIM_20)
    trained = domain_fid(tmp_path / "trained", classifier_ckpt, tmp_path / "cache", *DDIM_20)
    assert trained < start / 4, (start, trained)


def test_sample_chooses_the_sampler_and_its_steps(tmp_path):
    fit([*TINY_UNET, "trainer.max_steps=2"], tmp_path)
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    out = sample(compose_command("sample", [f"ckpt={ckpt}", "n=4", "sampler=ddim", "steps=3"]))
    assert out.name == "last_samples_ddim-3_n4_seed0.png" and out.is_file()
    assert sample(compose_command("sample", [f"ckpt={ckpt}", "n=4", "steps=2"])).name.startswith("last_samples_ddpm-2")
    with pytest.raises(GenlabError, match="sampler=euler is not one of"):
        sample(compose_command("sample", [f"ckpt={ckpt}", "n=4", "sampler=euler"]))


def test_an_exported_ddpm_loads_as_a_diffusers_pipeline_and_samples(tmp_path):
    from diffusers import DDPMPipeline

    run = fit([*TINY_UNET, "trainer.max_steps=2"], tmp_path / "run")
    ckpt = tmp_path / "run" / "checkpoints" / "last.ckpt"
    out = export(compose_command("export", [f"ckpt={ckpt}", f"out={tmp_path / 'pipeline'}"]))
    pipeline = DDPMPipeline.from_pretrained(str(out))
    images = pipeline(batch_size=2, num_inference_steps=3, output_type="np", generator=torch.manual_seed(0)).images
    assert images.shape == (2, 16, 16, 1)
    ema = run.model.network_ema.module.unet.state_dict()
    assert all(torch.equal(value, pipeline.unet.state_dict()[key]) for key, value in ema.items()), "EMA weights"
    with pytest.raises(GenlabError, match="exists and is not empty"):
        export(compose_command("export", [f"ckpt={ckpt}", f"out={out}"]))


def test_a_points_ddpm_refuses_to_export(tmp_path):
    fit(["experiment=ddpm_8gaussians", "trainer.max_steps=2"], tmp_path)
    with pytest.raises(GenlabError, match="only model/network=unet exports"):
        export(compose_command("export", [f"ckpt={tmp_path / 'checkpoints' / 'last.ckpt'}", f"out={tmp_path / 'x'}"]))


def test_eval_scores_with_the_chosen_sampler_and_records_it(tmp_path, classifier_ckpt, capsys):
    """…and shows its progress with the time left (README #34 item 3: 10,000 samples of a
    1000-step sampler printed nothing for minutes on a CPU)."""
    fit([*TINY_UNET, "trainer.max_steps=2"], tmp_path)
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    args = [f"ckpt={ckpt}", f"classifier={classifier_ckpt}", "metrics=[fid]", "n=70", "sampler=ddim", "steps=4"]
    report = evaluate(compose_command("eval", [*args, "batch_size=30", f"cache_dir={tmp_path / 'cache'}"]))
    assert report.name == "eval_last_ddim-4.json"
    (record,) = json.loads(report.read_text())["records"]
    assert record["protocol"]["generator"] == "ema (ddim-4)" and record["value"] > 0
    progress = capsys.readouterr().err.split("\r")[-1]
    assert re.search(r"genlab eval: sampling ema \(ddim-4\): 100%.* 70/70 \[\d+:\d+<00:00, .*image/s\]", progress)


def test_the_denoising_chain_ends_in_the_samples_and_the_noising_starts_at_the_data(tmp_path):
    run = fit([*TINY_UNET, "trainer.max_steps=2"], tmp_path)
    model = run.model.eval()
    model.use_sampler("ddim", 4)
    chain = model.denoising_chain(2, 3, torch.Generator().manual_seed(5))
    assert chain.shape == (6, 1, 16, 16)
    torch.testing.assert_close(chain[2::3], model.sample(2, torch.Generator().manual_seed(5)))  # last frame = x₀
    x = first_examples(run.datamodule.val_set, 2)
    noising = model.forward_noising(x, 4)
    assert noising.shape == (8, 1, 16, 16)
    assert (noising[0::4] - x).abs().max() < 0.05, "frame 0 is the image (t = 0 adds noise of std 0.005)"
    assert abs(noising[3::4].mean().item() - 0.5) < 0.1, "the last frame is noise around 0.5 in [0, 1]"
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    for mode, name in (("chain", "last_chain_ddim-4_n8_seed0.png"), ("noising", "last_noising_n8_seed0.png")):
        out = sample(
            compose_command("sample", [f"ckpt={ckpt}", "n=8", f"mode={mode}", "frames=4", "sampler=ddim", "steps=4"])
        )
        assert out.name == name and out.is_file()
