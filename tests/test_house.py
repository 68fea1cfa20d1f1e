"""The house every family lives in: declared capabilities, exact sample counts, lazy
regularisation, and the value `genlab train` returns to sweepers."""

import ast
import json
import os
from pathlib import Path

import pytest
import torch

import genlab
from genlab.errors import GenlabError
from genlab.models.capabilities import (
    AdaptsDomains,
    ChoosesSampler,
    Classifies,
    DecodesLatents,
    Discriminates,
    Encodes,
    ExportsPipeline,
    Grows,
    HasLikelihood,
    HasStyleSpace,
    ImportanceSamples,
    Reconstructs,
    Samples,
    ShowsDenoising,
    Translates,
)
from genlab.models.lr_schedules import ConstantThenLinear
from genlab.objectives import regularisers
from genlab.objectives.adversarial import OBJECTIVES
from genlab.run.environment import record_environment
from genlab.run.train import assemble, build, report, train
from tests.conftest import QUIET, cheap_sampling, compose_train, fit
from tests.gan_losses import TermRecorder
from tests.test_configs import MODELS

SMALL = ["dataset=digits", "dataset.image_size=16"]


@pytest.mark.parametrize("model", MODELS)
def test_sample_returns_exactly_n_images(model, tmp_path):
    """On each model's own default dataset (digits; a paired one for translators)."""
    built = build(cheap_sampling(compose_train([f"model={model}", "dataset.image_size=16"], tmp_path)).model)
    if not isinstance(built, Samples):
        return
    for n in (1, 7, 64):
        with torch.no_grad():
            images = built.eval().sample(n, torch.Generator().manual_seed(0))
        assert images.shape == (n, *built.data_shape), (model, n)
        assert images.min() >= 0 and images.max() <= 1


@pytest.mark.parametrize(
    ("model", "declared"),
    [
        ("ae", {DecodesLatents, Reconstructs, Encodes}),
        ("vae", {Samples, DecodesLatents, Reconstructs, Encodes, HasLikelihood, ImportanceSamples}),
        ("dcgan", {Samples, DecodesLatents, Discriminates}),
        ("bigan", {Samples, DecodesLatents, Discriminates, Reconstructs, Encodes}),
        ("vaegan", {Samples, DecodesLatents, Discriminates, Reconstructs, Encodes}),
        ("classifier", {Classifies}),
        ("dbvae", {Classifies, Samples, DecodesLatents, Reconstructs, Encodes}),
        ("ddpm", {Samples, ChoosesSampler, ShowsDenoising, ExportsPipeline}),
        ("pixelcnn", {Samples, HasLikelihood}),
        ("stylegan2", {Samples, DecodesLatents, Discriminates, HasStyleSpace}),
        ("progan", {Samples, DecodesLatents, Discriminates, Grows}),
        ("biggan", {Samples, DecodesLatents, Discriminates}),
        ("pix2pix", {Translates}),
        ("cyclegan", {Translates}),
        ("srgan", {Translates}),
        ("context_encoder", {Translates}),
        ("faceswap", {Translates}),
        ("faceswap_gan", {Translates}),
        ("dann", {Classifies, AdaptsDomains}),
    ],
)
def test_families_declare_their_capabilities(model, declared, tmp_path):
    built = build(cheap_sampling(compose_train([f"model={model}", "dataset.image_size=16"], tmp_path)).model)
    everything = {Samples, DecodesLatents, Reconstructs, Encodes, HasLikelihood, Discriminates}
    everything |= {ChoosesSampler, ShowsDenoising, ExportsPipeline, HasStyleSpace, Translates}
    everything |= {ImportanceSamples, Classifies, AdaptsDomains, Grows}
    assert {c for c in everything if isinstance(built, c)} == declared


def test_conditional_grids_cycle_categories_one_per_row(tmp_path):
    built = build(compose_train(["model=cgan", *SMALL], tmp_path).model)
    assert built.grid_labels(64).tolist() == [i // 6 % 10 for i in range(64)]  # 10 rows of 6, then class 0 again
    assert built.grid_labels(6, per_row=3).tolist() == [0, 0, 0, 1, 1, 1]


def test_lazy_r1_is_computed_one_step_in_four_with_four_times_the_weight(tmp_path, monkeypatch):
    calls = []

    def counting_r1(critic, real):
        value = original(critic, real)
        calls.append(float(value.detach()))
        return value

    original = regularisers.r1_penalty
    monkeypatch.setattr(regularisers, "r1_penalty", counting_r1)
    recorder = TermRecorder()
    overrides = ["model=gan", "dataset=toy2d", "model/regulariser=[r1]", "model.regularisers.r1.every=4"]
    fit([*overrides, "model.regularisers.r1.weight=3.0", "trainer.max_steps=24"], tmp_path, [recorder])
    assert len(recorder.batches) == 12 and len(calls) == 3  # D steps 0, 4 and 8 of 12
    logged = [recorder.batches[i]["train/r1"] for i in (0, 4, 8)]
    assert logged == pytest.approx([4 * 0.5 * 3.0 * value for value in calls], rel=1e-6)


def test_dragan_joins_ds_loss_on_every_game_with_its_weight(tmp_path):
    recorder = TermRecorder()
    overrides = ["model=gan", "dataset=toy2d", "model/regulariser=[dragan]", "model.regularisers.dragan.weight=2.0"]
    fit([*overrides, "trainer.max_steps=8"], tmp_path, [recorder])
    assert all(batch["train/dragan"] > 0 for batch in recorder.batches) and len(recorder.batches) == 4
    with pytest.raises(GenlabError, match=r"Dragan\(spread=0\): the perturbation's scale must be positive"):
        regularisers.Dragan(spread=0)


def test_regulariser_intervals_must_be_whole_steps():
    with pytest.raises(GenlabError, match="every=0"):
        regularisers.R1(weight=10.0, every=0)


def test_bigan_refuses_input_gradient_penalties(tmp_path):
    cfg = compose_train(["model=bigan", "dataset=toy2d", "model/regulariser=[gradient_penalty]"], tmp_path)
    with pytest.raises(GenlabError, match=r"model\.regularisers\.gradient_penalty: BiGAN's D judges"):
        build(cfg.model)


# one model per adversarial family, with the dataset it fits (the translators need their pairs)
GAMES = {
    "dcgan": "digits",
    "bigan": "toy2d",
    "vaegan": "digits",
    "stylegan": "digits",
    "progan": "digits",
    "biggan": "digits",
    "pix2pix": "edges2digits",
    "srgan": "sr_digits",
    "cyclegan": "inverted_digits",
    "context_encoder": "masked_digits",
}
LINEAR_DECAY = [
    "++model.lr_schedule._target_=genlab.models.lr_schedules.ConstantThenLinear",
    "++model.lr_schedule.constant_epochs=1",
    "++model.lr_schedule.decay_epochs=3",
]


@pytest.mark.parametrize("family", sorted(GAMES))
def test_the_games_rules_reach_every_adversarial_family(family, tmp_path):
    """The rules (`genlab.models.adversarial.game.Game`) are declared once: a family names only its
    own knobs, so a rule set on the command line reaches it without the family knowing of it."""
    overrides = [f"model={family}", f"dataset={GAMES[family]}", "model.objective=hinge", *LINEAR_DECAY]
    model = build(compose_train(overrides, tmp_path).model)
    assert model.objective is OBJECTIVES["hinge"]
    assert isinstance(model.lr_schedule, ConstantThenLinear) and model.lr_schedule(2) == pytest.approx(0.5)


@pytest.mark.parametrize("family", sorted(GAMES))
def test_an_option_no_adversarial_family_has_is_refused_in_one_line(family, tmp_path):
    cfg = compose_train([f"model={family}", f"dataset={GAMES[family]}", "+model.n_critics=5"], tmp_path)
    with pytest.raises(GenlabError, match=r"^model\.n_critics is not an option of this model; drop it") as error:
        build(cfg.model)
    assert "\n" not in str(error.value) and "balance" in str(error.value)


# the families whose D is built from the data's shape take views of the batch; the translators' critics do not
VIEWED = {"dcgan", "bigan", "vaegan", "stylegan", "progan", "biggan"}


@pytest.mark.parametrize("family", sorted(GAMES))
def test_the_look_ahead_reaches_every_adversarial_family_and_views_those_that_build_d_from_the_data(family, tmp_path):
    """model.unroll_steps and model/view are rules of the game: every family trains a step with
    them (their fakes reach D through TwoPlayerModule.generated), or refuses the view in one line."""
    view = {"dcgan": ["model/view=[packing,minibatch_std]"], "bigan": ["model/view=[packing]"]}.get(family)
    view = view or (["model/view=[minibatch_std]"] if family in VIEWED else ["+model/view=[packing]"])
    small = ["dataset.image_size=16"] if GAMES[family] == "digits" else []
    one_d_step = ["model.balance.n_critic=1"] if family == "biggan" else []  # one batch, one G step
    overrides = [f"model={family}", f"dataset={GAMES[family]}", *small, *one_d_step, "++model.unroll_steps=1", *view]
    cfg = cheap_sampling(compose_train([*QUIET, *overrides, "trainer.fast_dev_run=true"], tmp_path))
    if family not in VIEWED:
        with pytest.raises(GenlabError, match=r"^model\.views\.packing is not defined for this family") as error:
            assemble(cfg)
        assert "\n" not in str(error.value)
        cfg = cheap_sampling(compose_train([*QUIET, *overrides[:-1], "trainer.fast_dev_run=true"], tmp_path))
    run = assemble(cfg)
    run.trainer.fit(run.model, datamodule=run.datamodule)
    assert run.model.unroll_steps == 1 and run.model.g_steps == 1


def test_train_returns_the_autoencoders_validation_loss(tmp_path):
    cfg = compose_train([*QUIET, "model=ae", *SMALL, "trainer.max_epochs=1"], tmp_path)
    value = train(cfg)
    assert isinstance(value, float) and value > 0


def test_train_returns_the_gan_fid_with_evaluation_on(tmp_path, classifier_ckpt):
    overrides = [
        *QUIET,
        "model=dcgan",
        "model.generator.width=8",
        "model.discriminator.width=8",
        *SMALL,
        "evaluation=domain",
        f"callbacks.metrics.classifier={classifier_ckpt}",
        "callbacks.metrics.n=100",
        "callbacks.metrics.metrics=[fid]",
        f"callbacks.metrics.cache_dir={tmp_path / 'cache'}",
        "trainer.max_epochs=1",
    ]
    value = train(compose_train(overrides, tmp_path))
    (row,) = [line for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert value == pytest.approx(json.loads(row)["value"], rel=1e-6)


def test_a_gan_without_evaluation_cannot_optimise_fid(tmp_path):
    cfg = compose_train([*QUIET, "model=gan", "dataset=toy2d", "optimized_metric=fid"], tmp_path)
    with pytest.raises(GenlabError, match="optimized_metric=fid is computed only with evaluation on"):
        train(cfg)
    assert not (tmp_path / "checkpoints").exists(), "refused before training"


def test_gan_with_moving_average_and_lazy_r1_resumes_exactly(tmp_path):
    """N + resume + N = 2N for what the house adds to the GAN's state: the EMA of G (its weights
    and count) and the D-step counter that decides when a lazy regulariser is due."""
    base = [
        "model=gan",
        "dataset=toy2d",
        "dataset.n_samples=3000",
        "model.ema_decay=0.9",
        "model/regulariser=[r1]",
        "model.regularisers.r1.every=4",
        "model.balance.n_critic=2",
    ]
    straight = fit([*base, "trainer.max_epochs=2"], tmp_path / "straight").model
    fit([*base, "trainer.max_epochs=1"], tmp_path / "stopped")
    resumed = assemble(compose_train([*QUIET, *base, "trainer.max_epochs=2"], tmp_path / "stopped"))
    resumed.trainer.fit(resumed.model, resumed.datamodule, ckpt_path=tmp_path / "stopped" / "checkpoints" / "last.ckpt")
    assert (resumed.model.g_steps, resumed.model.d_steps) == (straight.g_steps, straight.d_steps)
    expected, actual = straight.state_dict(), resumed.model.state_dict()
    assert expected.keys() == actual.keys() and any(k.startswith("generator_ema.") for k in actual)
    for key, value in expected.items():
        assert torch.equal(value, actual[key]), key


def test_the_end_of_run_summary_names_the_numbers_and_only_folders_that_exist(tmp_path, capsys):
    run = fit(["model=ae", *SMALL, "trainer.max_epochs=1", "callbacks=default"], tmp_path)
    report(run.trainer, str(tmp_path), 12.34)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == f"genlab: run finished in {tmp_path} (12 s)"
    assert json.loads((tmp_path / "summary.json").read_text())["seconds"] == 12.3
    final = next(line for line in lines if line.startswith("  final"))
    assert "val/loss" in final and "val/mse" in final
    best = next(line for line in lines if line.startswith("  best"))
    assert "val/loss" in best and str(tmp_path / "checkpoints") in best
    folders = {line.split()[0] for line in lines[1:]} - {"final", "best"}
    assert folders == {"checkpoints", "images"}, "logger=none: no tensorboard/ folder, so none is named"


def test_a_run_records_the_code_libraries_and_hardware_it_ran_on(tmp_path):
    cfg = compose_train([*QUIET, "model=ae", *SMALL, "trainer.max_steps=2"], tmp_path)
    train(cfg)
    (start,) = json.loads((tmp_path / "environment.json").read_text())["starts"]
    assert start["genlab"] == genlab.__version__ and start["packages"]["torch"] == torch.__version__.split("+")[0]
    assert len(start["git"]["commit"]) == 40, "the tests run from a checkout"
    assert start["hardware"]["cpus"] == os.cpu_count() and start["trainer"]["accelerator"] == "cpu"
    record_environment(cfg)  # a resumed run's start is appended, not written over
    assert len(json.loads((tmp_path / "environment.json").read_text())["starts"]) == 2


@pytest.mark.parametrize(
    "family",
    [
        ["model=vae"],
        ["model=dcgan", "model.generator.width=8", "model.discriminator.width=8"],
        ["model=ddpm", "model.network.widths=[8,16]", "model.network.groups=4"],
        ["model=gated_pixelcnn", "model.network.width=8", "model.network.layers=2"],
    ],
    ids=["vae", "dcgan", "ddpm", "gated_pixelcnn"],
)
def test_every_family_trains_in_bf16_mixed_precision_on_the_cpu_and_records_it(family, tmp_path):
    cfg = compose_train([*QUIET, *family, *SMALL, "trainer.max_steps=3", "trainer.precision=bf16-mixed"], tmp_path)
    train(cfg)
    (start,) = json.loads((tmp_path / "environment.json").read_text())["starts"]
    assert start["trainer"]["precision"] == "bf16-mixed"
    state = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert state and all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point()), "no NaN"


MOST_ARGUMENTS = 12


def constructor_arguments(node: ast.ClassDef) -> int:
    """What building the class takes: its `__init__`'s parameters, or a dataclass's fields."""
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__init__":
            args = statement.args
            return len(args.posonlyargs) + len(args.args) - 1 + len(args.kwonlyargs)
    if any("dataclass" in ast.unparse(decorator) for decorator in node.decorator_list):
        return sum(isinstance(statement, ast.AnnAssign) for statement in node.body)
    return 0


def test_no_constructor_takes_more_than_twelve_arguments():
    """A constructor past twelve arguments is a set of knobs that wants to be a part (the evaluation
    callback once took 21, the protocol's knobs among them: #33)."""
    root = Path(genlab.__file__).parent
    crowded = []
    for file in root.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ClassDef):
                count = constructor_arguments(node)
                if count > MOST_ARGUMENTS:
                    crowded.append(f"{file.relative_to(root)}:{node.name} takes {count}")
    assert not crowded, crowded
