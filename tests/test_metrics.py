"""FID/KID/IS through torchmetrics on a small deterministic extractor (no download): the formula
against SciPy, the behaviour that makes FID useful, refusals, the cache, protocol cards, DDP, and
the offline and missing-classifier errors."""

import csv
import itertools
import json
import os
import socket
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

import genlab
from genlab.data.digits import DigitsDataModule
from genlab.digest import file_sha256
from genlab.errors import GenlabError
from genlab.metrics import extractors
from genlab.metrics.evaluation import EvaluationProtocol
from genlab.metrics.feature_cache import cache_key, cached_features
from genlab.metrics.ppl import path_length
from genlab.metrics.scores import Scores, ScoreSettings, check_sample_counts, fit_kid_subsets
from genlab.metrics.ssim import ssim
from genlab.models.capabilities import DecodesLatents, Samples
from genlab.run.evaluate import evaluate
from genlab.run.train import assemble
from tests.conftest import compose_command, compose_train, fit, run_cli, run_dirs
from tests.e2e import scalar_values, tensorboard_tags
from tests.inception import untrained_inception_weights

DIM = 16


def project(images: torch.Tensor) -> torch.Tensor:
    """A fixed random feature map of 16-px digits: the stand-in for Inception in these tests."""
    weights = torch.randn(256, DIM, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return torch.tanh(images.flatten(1).double() @ weights / 8)


@pytest.fixture(scope="module")
def digit_images() -> torch.Tensor:
    dm = DigitsDataModule(name="digits", shape=(1, 16, 16), image_size=16, seed=0)
    dm.setup()
    return torch.stack([dm.train_set[i][0] for i in range(len(dm.train_set))])


def fid_of(real: torch.Tensor, fake: torch.Tensor) -> float:
    scores = Scores(["fid"], DIM, num_classes=0)
    scores.update_real(real)
    scores.update_fake(fake, fake)
    return scores.compute()["fid"][0]


def scipy_frechet(a: np.ndarray, b: np.ndarray) -> float:
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def test_fid_is_small_between_halves_and_grows_with_noise(digit_images):
    half = len(digit_images) // 2
    real, other = project(digit_images[:half]), digit_images[half:]
    same = fid_of(real, project(other))
    noisy = [fid_of(real, project(other + s * torch.randn_like(other))) for s in (0.1, 0.2, 0.4, 0.8)]
    assert same < noisy[0] and same < 0.01 * noisy[-1], (same, noisy)  # measured: 0.011 vs 0.043 … 4.9
    assert all(a < b for a, b in itertools.pairwise(noisy)), noisy


def test_fid_agrees_with_an_independent_scipy_frechet_distance(digit_images):
    real = project(digit_images[:800])
    fake = project(digit_images[800:] + 0.3 * torch.randn_like(digit_images[800:]))
    expected = scipy_frechet(real.numpy(), fake.numpy())
    assert fid_of(real, fake) == pytest.approx(expected, rel=1e-4)


def test_too_few_samples_are_refused_with_the_reason():
    with pytest.raises(GenlabError, match=r"FID with 10 samples .* 16-d feature space"):
        check_sample_counts(["fid"], 10, 500, DIM, ScoreSettings())
    with pytest.raises(GenlabError, match="KID subsets of 1000 from 500 samples"):
        check_sample_counts(["kid"], 600, 500, DIM, ScoreSettings())
    check_sample_counts(["fid", "kid"], 10, 10, DIM, ScoreSettings(allow_few_samples=True))


def test_an_unset_kid_subset_size_fits_the_samples_and_says_so(capsys):
    """The README's CycleGAN domain FID had 808 test images: KID's default subsets of 1000 were
    refused. Unset, the size is 1000 or every sample, whichever is smaller; a chosen size stays."""
    unset = ScoreSettings(kid_subset_size=None)
    fitted = fit_kid_subsets(unset, ["fid", "kid"], 808, 808)
    assert fitted.kid_subset_size == 808
    check_sample_counts(["kid"], 808, 808, DIM, fitted)
    assert capsys.readouterr().err == (
        "genlab: KID subsets of 808, every sample there is (real 808, generated 808; usually 1000); "
        "kid_subset_size= chooses\n"
    )
    assert fit_kid_subsets(unset, ["kid"], 5000, 2000).kid_subset_size == 1000 and capsys.readouterr().err == ""
    chosen = fit_kid_subsets(ScoreSettings(kid_subset_size=1000), ["kid"], 808, 808)
    with pytest.raises(GenlabError, match="KID subsets of 1000 from 808 samples"):
        check_sample_counts(["kid"], 808, 808, DIM, chosen)


def test_kid_and_is_come_with_their_spread(digit_images):
    scores = Scores(["kid", "is"], DIM, num_classes=DIM, settings=ScoreSettings(kid_subset_size=100, kid_subsets=10))
    torch.manual_seed(0)
    scores.update_real(project(digit_images[:500]))
    scores.update_fake(project(digit_images[500:1000]), project(digit_images[500:1000]))
    results = scores.compute()
    assert abs(results["kid"][0]) < 0.01 and results["kid"][1] >= 0
    assert 1 <= results["is"][0] <= DIM and results["is"][1] >= 0


def test_precision_recall_tell_collapse_from_noise(digit_images):
    """A generator that copies a few real images is precise but has no recall; a noisy one the reverse."""
    real = project(digit_images[:600])

    def prc(fake: torch.Tensor) -> tuple[float, float]:
        scores = Scores(["precision", "recall"], DIM, num_classes=0)
        scores.update_real(real)
        scores.update_fake(fake, fake)
        results = scores.compute()
        return results["precision"][0], results["recall"][0]

    same = prc(project(digit_images[600:1200]))
    collapsed = prc(project(digit_images[600:610].repeat(60, 1, 1, 1) + 0.01 * torch.randn(600, 1, 16, 16)))
    noisy = prc(project(digit_images[600:1200] + 0.5 * torch.randn(600, 1, 16, 16)))
    assert same[0] > 0.8 and same[1] > 0.8, same
    assert collapsed[0] > 0.8 and collapsed[1] < 0.2, collapsed
    assert noisy[0] < 0.2, noisy


def test_cache_key_changes_with_every_field():
    fields = {"dataset": "digits", "split": "train", "extractor": "a", "image_shape": [1, 16, 16], "count": 10}
    for change in ({"image_shape": [1, 32, 32]}, {"extractor": "b"}, {"count": 11}, {"split": "val"}):
        assert cache_key({**fields, **change}) != cache_key(fields)


def test_cached_features_are_computed_once(tmp_path):
    calls = []

    def compute() -> torch.Tensor:
        calls.append(1)
        return torch.arange(6.0).view(3, 2)

    fields = {"extractor": "a", "image_shape": [1, 16, 16]}
    first, hit_first = cached_features(tmp_path, fields, compute)
    second, hit_second = cached_features(tmp_path, fields, compute)
    assert (hit_first, hit_second, len(calls)) == (False, True, 1)
    assert torch.equal(first, second)
    cached_features(tmp_path, {**fields, "image_shape": [1, 32, 32]}, compute)
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda pt: pt.write_bytes(pt.read_bytes()[: pt.stat().st_size // 2]), "do not match the recorded checksum"),
        (lambda pt: torch.save(torch.zeros(3, 2), pt), "do not match the recorded checksum"),  # altered, loadable
        (lambda pt: pt.with_suffix(".json").unlink(), "checksum record is missing"),
    ],
    ids=["truncated", "altered", "no-sidecar"],
)
def test_a_damaged_cache_entry_is_recomputed_with_a_warning_naming_it(tmp_path, capsys, damage, reason):
    fields, calls = {"extractor": "a"}, []

    def compute() -> torch.Tensor:
        calls.append(1)
        return torch.arange(6.0).view(3, 2)

    cached_features(tmp_path, fields, compute)
    (entry,) = tmp_path.glob("*.pt")
    damage(entry)
    features, hit = cached_features(tmp_path, fields, compute)
    assert (hit, len(calls)) == (False, 2) and torch.equal(features, torch.arange(6.0).view(3, 2))
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"genlab: warning: feature cache entry {entry} is corrupt") and reason in line, line
    assert cached_features(tmp_path, fields, compute)[1], "the recomputed entry is good again"


def _ddp_fid(rank: int, port: int, real: torch.Tensor, fake: torch.Tensor, results) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    scores = Scores(["fid"], DIM, num_classes=0)
    scores.update_real(real[rank::2])
    scores.update_fake(fake[rank::2], fake[rank::2])
    results[rank] = scores.compute()["fid"][0]
    dist.destroy_process_group()


def test_fid_on_two_ddp_processes_equals_one_process(digit_images):
    real, fake = project(digit_images[:800]), project(digit_images[800:1600] + 0.2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    results = mp.Manager().dict()
    mp.spawn(_ddp_fid, args=(port, real, fake, results), nprocs=2, join=True)
    single = fid_of(real, fake)
    assert results[0] == pytest.approx(single, rel=1e-5) and results[1] == pytest.approx(single, rel=1e-5)


def test_offline_inception_names_the_missing_file(monkeypatch, tmp_path):
    import torch_fidelity.feature_extractor_inceptionv3 as inception

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(inception, "load_state_dict_from_url", offline)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(
        GenlabError, match=f"{extractors.INCEPTION_FILE}, which could not be downloaded .* put the file at"
    ):
        extractors.inception_extractor()


def test_weights_other_than_the_published_file_are_refused_or_named_unverified(tmp_path, capsys):
    weights = str(untrained_inception_weights(tmp_path / extractors.INCEPTION_FILE))
    with pytest.raises(GenlabError, match=r"its SHA-256 begins [0-9a-f]{8}, the published .* begins 6726825d"):
        extractors.inception_extractor(weights=weights)
    assert extractors.inception_extractor(weights=weights, verify=False).name == "inception-unverified"
    assert "is not the published weights-inception" in capsys.readouterr().err


def test_a_file_is_published_when_its_sha256_starts_with_the_prefix_in_its_name(tmp_path):
    path = tmp_path / "blob.pth"
    path.write_bytes(b"genlab")
    digest = file_sha256(path)
    assert extractors.matches_published(path, f"blob-{digest[:8]}.pth", "inception_weights", verify=True)
    assert extractors.published_prefix(extractors.INCEPTION_FILE) == "6726825d"


def test_inception_extractor_gives_features_and_logits_per_image(tmp_path):
    weights = str(untrained_inception_weights(tmp_path / "w.pth"))
    extractor = extractors.inception_extractor("legacy", weights, verify=False)
    with torch.no_grad():
        features, logits = extractor.encode(torch.rand(3, 1, 32, 32))  # grayscale, small: resized inside
    assert features.shape == (3, 2048) and logits.shape == (3, 1008)
    assert extractor.name == "inception-unverified" and extractor.resize == "legacy"


def test_domain_extractor_without_classifier_names_the_command():
    with pytest.raises(GenlabError, match="genlab train model=classifier dataset=mnist"):
        extractors.domain_extractor(None, "mnist")


SMALL = ["dataset.image_size=16"]
TINY_DCGAN = ["model=dcgan", "model.generator.width=8", "model.discriminator.width=8", *SMALL]


@pytest.mark.slow
def test_eval_writes_records_with_protocol_cards_and_reuses_real_features(tmp_path, classifier_ckpt):
    fit([*TINY_DCGAN, "trainer.max_steps=30"], tmp_path / "gan")
    common = [
        f"ckpt={tmp_path / 'gan' / 'checkpoints' / 'last.ckpt'}",
        f"classifier={classifier_ckpt}",
        "metrics=[fid,kid,is,ppl]",
        "n=200",
        "ppl_samples=100",
        "kid_subset_size=100",
        f"cache_dir={tmp_path / 'cache'}",
    ]
    first = json.loads(evaluate(compose_command("eval", common)).read_text())
    assert not first["real_features_cached"] and first["seconds"] > 0
    assert [r["name"] for r in first["records"]] == [f"{m}[digits-classifier]" for m in ("fid", "kid", "is", "ppl")]
    for record in first["records"][:3]:
        card = record["protocol"]
        assert (card["extractor"], card["dtype"], len(card["weights_sha256"])) == ("digits-classifier", "float64", 64)
        assert (card["n_real"], card["n_fake"], card["reference"]) == (200, 200, "digits/train")
        assert np.isfinite(record["value"])
    assert first["records"][0]["value"] > 0
    ppl = first["records"][3]
    assert ppl["value"] > 0 and ppl["protocol"]["n_fake"] == 100 and ppl["settings"]["space"] == "z"
    second = json.loads(evaluate(compose_command("eval", common)).read_text())
    assert second["real_features_cached"]
    assert second["records"][0]["value"] == pytest.approx(first["records"][0]["value"], rel=1e-9)
    report = tmp_path / "gan" / "metrics" / "eval_last.json"
    before = report.read_text()
    missing_weights = f"inception_weights={tmp_path / 'none.pth'}"
    offline = run_cli("eval", common[0], "extractor=inception", missing_weights, cwd=tmp_path)
    assert offline.returncode == 2 and "weights-inception-2015-12-05-6726825d.pth" in offline.stderr
    assert report.read_text() == before, "a failed evaluation loses nothing already written"


@pytest.mark.slow
def test_dcgan_run_logs_fid_during_training(tmp_path, classifier_ckpt):
    overrides = [
        *TINY_DCGAN,
        "evaluation=domain",
        f"callbacks.metrics.classifier={classifier_ckpt}",
        "callbacks.metrics.n=100",
        "callbacks.metrics.kid_subset_size=50",
        f"callbacks.metrics.cache_dir={tmp_path / 'cache'}",
        "callbacks.progress=null",
        "trainer.max_epochs=2",
        "trainer.enable_progress_bar=false",
    ]
    run = assemble(compose_train(overrides, tmp_path))
    with pytest.warns(UserWarning, match="possible mode collapse at step 50: sample diversity is 0.0"):
        run.trainer.fit(run.model, datamodule=run.datamodule)  # 50 steps of a tiny DCGAN: collapsed
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    fids = [r for r in rows if r["name"] == "fid[digits-classifier]"]
    assert len(fids) == 2 and all(r["protocol"]["n_fake"] == 100 for r in rows)
    with open(tmp_path / "metrics.csv") as handle:
        assert len([row for row in csv.DictReader(handle) if row["name"] == "fid[digits-classifier]"]) == 2
    logged = scalar_values(tmp_path, "metrics/fid[digits-classifier]")
    assert logged == pytest.approx([r["value"] for r in fids], rel=1e-5)
    assert {"metrics/diversity", "metrics/d_accuracy"} <= set(tensorboard_tags(tmp_path)["scalars"])
    assert (tmp_path / "checkpoints" / "best-fid.ckpt").is_file()


@pytest.mark.slow  # several CLI start-ups (torch imports): the full suite runs it
def test_eval_cli_errors_exit_non_zero(tmp_path):
    missing = run_cli("eval", f"ckpt={tmp_path / 'none.ckpt'}", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad = run_cli("eval", "ckpt=x", "metrics=[fid,psnr]", cwd=tmp_path)
    assert bad.returncode == 2 and "choose from fid, kid, is" in bad.stderr


@pytest.mark.slow
def test_fid_during_two_process_ddp_training(tmp_path, classifier_ckpt):
    args = [
        *TINY_DCGAN,
        "trainer=ddp_cpu",
        "trainer.max_epochs=1",
        "evaluation=domain",
        f"callbacks.metrics.classifier={classifier_ckpt}",
        "callbacks.metrics.n=100",
        "callbacks.metrics.metrics=[fid]",
        f"callbacks.metrics.cache_dir={tmp_path / 'cache'}",
        "callbacks.progress=null",
    ]
    result = run_cli("train", *args, cwd=tmp_path, output_root=tmp_path / "outputs")
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = run_dirs(tmp_path / "outputs")
    (row,) = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert row["name"] == "fid[digits-classifier]" and row["protocol"]["n_fake"] == 100 and row["value"] > 0


def test_vae_logs_psnr_ssim_and_bits_per_dim_consistent_with_mse_and_elbo(tmp_path):
    run = fit(["model=vae", *SMALL, "trainer.fast_dev_run=true"], tmp_path)  # one validation batch
    metrics = {k: float(v) for k, v in run.trainer.callback_metrics.items()}
    assert metrics["val/psnr"] == pytest.approx(10 * np.log10(1 / metrics["val/mse"]), rel=1e-4)
    assert 0 < metrics["val/ssim"] <= 1
    assert metrics["val/bits_per_dim"] == pytest.approx(-metrics["val/elbo"] / (256 * np.log(2)), rel=1e-5)


@pytest.mark.parametrize(
    "shape, noise",
    [((64, 1, 32, 32), 0.1), ((8, 3, 28, 40), 0.3), ((4, 1, 11, 11), 0.05), ((16, 3, 64, 64), 1.0)],
)
def test_ssim_equals_torchmetrics_definition(shape, noise):
    """genlab's banded-matrix SSIM is torchmetrics' 11×11 Gaussian-window SSIM, only faster:
    structured images (blurred noise), non-square, multi-channel, the smallest size the padding
    allows, and a nearly unrelated pair."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    g = torch.Generator().manual_seed(sum(shape))
    target = torch.nn.functional.avg_pool2d(torch.rand(shape, generator=g), 3, 1, 1)
    preds = (target + noise * torch.randn(shape, generator=g)).clamp(0, 1)
    expected = structural_similarity_index_measure(preds, target, data_range=1.0)
    assert float(ssim(preds, target)) == pytest.approx(float(expected), abs=1e-6)
    assert float(ssim(target, target)) == pytest.approx(1.0, abs=1e-6)
    doubled = ssim((2 * preds).double(), (2 * target).double(), data_range=2.0)
    assert doubled.dtype == torch.float64 and float(doubled) == pytest.approx(float(expected), abs=1e-5)
    with torch.autocast("cpu", dtype=torch.bfloat16):  # a bf16-mixed validation step
        assert float(ssim(preds.bfloat16(), target.bfloat16())) == pytest.approx(float(expected), abs=2e-3)


class LinearDecoder(torch.nn.Module, Samples, DecodesLatents):
    """G(z) = s·Wz as 4×4 images: its PPL under the identity feature map scales with s²."""

    model_name, latent_dim = "linear", 3

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(3, 16, generator=torch.Generator().manual_seed(0)) * scale)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return (z.to(self.weight.device) @ self.weight).view(-1, 1, 4, 4) * 0.1 + 0.5

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.decode(torch.randn(n, self.latent_dim, generator=generator))


def test_ppl_scales_with_the_square_of_the_generator_gain():
    flat = torch.nn.Flatten()
    identity = extractors.Extractor("identity", flat, lambda x: (flat(x), flat(x)), 16, "-", "none", None)
    ppl = [path_length(LinearDecoder(s), identity, 200, 50, 1e-4, seed=0, device="cpu")[1] for s in (1.0, 2.0)]
    assert ppl[1] == pytest.approx(4 * ppl[0], rel=1e-2), ppl


def test_offline_lpips_names_the_missing_file(monkeypatch, tmp_path):
    import torchvision.models._api as weights_api

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(weights_api, "load_state_dict_from_url", offline)
    inception = extractors.Extractor("inception", torch.nn.Identity(), None, 2048, "-", "legacy", None)
    with pytest.raises(GenlabError, match=r"vgg16-397923af\.pth could not be downloaded"):
        path_length(LinearDecoder(1.0), inception, 10, 5, 1e-4, seed=0, device="cpu")


@pytest.mark.slow
def test_separability_and_mig_of_a_vae_latent_space_on_shapes_factors(tmp_path):
    fit(["model=vae", "dataset=shapes", "dataset.image_size=16", "trainer.max_epochs=2"], tmp_path / "vae")
    ckpt = tmp_path / "vae" / "checkpoints" / "last.ckpt"
    report = json.loads(
        evaluate(compose_command("eval", [f"ckpt={ckpt}", "metrics=[separability,mig]", "n=1000"])).read_text()
    )
    records = {r["name"]: r for r in report["records"]}
    mig = records.pop("mig[vae-latent]")
    assert 0 <= mig["value"] <= 1 and [f["factor"] for f in mig["settings"]["factors"]] == [0, 1, 2, 3, 4]
    assert mig["protocol"]["n_real"] == 1000 and mig["protocol"]["generator"] == "none (encoder means)"
    assert set(records) == {f"separability/{f}[vae-latent]" for f in ("shape", "scale", "rotation", "x", "y")}
    for record in records.values():
        assert 0 <= record["value"] <= 1 and 0 < record["settings"]["chance"] < 1
    # position is what a VAE encodes first. Measured after two epochs (chance in brackets): x 0.89 (0.15),
    # y 0.78 (0.14), shape 0.51 (0.34), scale 0.49 (0.26), rotation 0.13 (0.15: symmetric shapes hide it)
    for factor in ("x", "y"):
        assert records[f"separability/{factor}[vae-latent]"]["value"] > 0.5, records


def test_genlab_eval_and_the_training_callback_score_one_protocol_alike(tmp_path, classifier_ckpt):
    """The same checkpoint under the same protocol: the callback's FID at the end of training and
    `genlab eval`'s on last.ckpt are the same number, bit for bit (one protocol object, #33)."""
    knobs = {"n": 100, "split": "val", "seed": 3, "batch_size": 40, "cache_dir": tmp_path / "cache"}
    trained = [f"callbacks.metrics.{key}={value}" for key, value in knobs.items()]
    fit(
        [
            *TINY_DCGAN,
            "evaluation=domain",
            f"callbacks.metrics.classifier={classifier_ckpt}",
            "callbacks.metrics.metrics=[fid]",
            *trained,
            "trainer.max_epochs=1",
            "+trainer.limit_train_batches=3",
        ],
        tmp_path,
    )
    (row,) = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    args = [f"ckpt={tmp_path / 'checkpoints' / 'last.ckpt'}", f"classifier={classifier_ckpt}", "metrics=[fid]"]
    report = evaluate(compose_command("eval", [*args, *(f"{key}={value}" for key, value in knobs.items())]))
    (record,) = json.loads(report.read_text())["records"]
    assert record["value"] == row["value"]
    assert record["protocol"] == row["protocol"]


def test_a_protocol_knob_has_one_default_for_eval_and_training():
    """Every protocol key has its default in configs/protocol/default.yaml and nowhere else, but
    the three where training differs on purpose, declared in evaluation/domain.yaml only."""
    protocol = EvaluationProtocol.field_names()
    evaluation = compose_command("eval", [])
    with initialize_config_module("genlab.configs", version_base="1.3"):
        training = compose("train", overrides=["model=dcgan", "evaluation=domain"]).callbacks.metrics
    differs = {key for key in protocol if OmegaConf.select(evaluation, key) != OmegaConf.select(training, key)}
    assert differs == {"n", "kid_subset_size", "kid_subsets"}
    configs = Path(genlab.__file__).parent / "configs"
    for file in [configs / "eval.yaml", *(configs / "evaluation").glob("*.yaml")]:
        keys = set(OmegaConf.load(file)) & set(protocol)
        assert keys <= {"n", "kid_subset_size", "kid_subsets", "extractor"}, (file.name, keys)
