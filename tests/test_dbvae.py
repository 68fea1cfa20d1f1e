"""DB-VAE (#27): adaptive resampling by latent density, and the embedded biased data it is for."""

import json
from pathlib import Path

import pytest
import torch
from torchvision.io import decode_png, read_file
from torchvision.utils import save_image

from genlab.callbacks.images import ResamplingGrid
from genlab.errors import GenlabError
from genlab.models.resampling import debiasing_weights
from genlab.run.evaluate import evaluate
from genlab.run.train import build
from tests.conftest import cli_in_process, compose_command, compose_train, fit


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("dims", [1, 4])
def test_rare_latent_codes_get_nine_times_the_weight_of_a_nine_times_commoner_mode(seed, dims):
    """90 % of the codes in the first of 10 bins of every dimension, 10 % in the last: the rare ones
    weigh (0.9 + α) / (0.1 + α) = 8.92 times as much (measured at every seed), within 20 % of 9."""
    generator = torch.Generator().manual_seed(seed)
    rare = torch.randperm(1000, generator=generator) < 100
    codes = torch.rand(1000, dims, generator=generator) * 0.5 + rare[:, None] * 9.5  # [0, .5) and [9.5, 10)
    codes[0], codes[1] = 0.0, 10.0  # the histograms' range: bins of width 1
    weights = debiasing_weights(codes, bins=10, alpha=1e-3)
    ratio = weights[rare].mean() / weights[~rare].mean()
    assert weights.sum() == pytest.approx(1.0) and ratio == pytest.approx(9, rel=0.2)


def test_a_rare_code_along_any_one_dimension_is_rare():
    """Two constant dimensions give everyone 1/100; the third gives the 10 rare codes 1/20 and the
    90 others 1/180: the maximum keeps 1/20 against 1/100, five times as much."""
    codes = torch.zeros(100, 3)
    codes[:10, 2] = 1.0  # rare along the last dimension only
    weights = debiasing_weights(codes, bins=2, alpha=0.0)
    assert torch.allclose(weights[:10], weights[0]) and torch.allclose(weights[10:], weights[10])
    assert weights[0] / weights[10] == pytest.approx(5.0)


def test_bad_histogram_settings_are_refused_in_one_line():
    with pytest.raises(GenlabError, match=r"bins=0 must be ≥ 1"):
        debiasing_weights(torch.zeros(4, 2), bins=0)


def faces(overrides: list[str], tmp_path):
    datamodule = build(compose_train(["dataset=biased_faces", *overrides], tmp_path).dataset)
    datamodule.setup()
    return datamodule


def test_the_rare_subgroup_is_rare_among_training_faces_and_half_of_the_validation_faces(tmp_path):
    data = faces([], tmp_path)
    (x, y, dark), (val_x, val_y, val_dark) = data.train_set.tensors, data.val_set.tensors
    assert len(x) == 2 * 80 * 18 and len(val_x) == 2 * 20 * 18
    assert dark[y == 1].float().mean() == pytest.approx(0.05, abs=1e-3)
    assert val_dark[val_y == 1].float().mean() == 0.5 and dark[y == 0].float().mean() == 0.5
    light, darkened = x[(y == 1) & (dark == 0)], x[(y == 1) & (dark == 1)]
    assert light.max() > 0.9 and darkened.max() <= 0.35  # the tone is the gain
    trained = {tuple(v.flatten().tolist()) for v in x}
    assert not any(tuple(v.flatten().tolist()) in trained for v in val_x)  # other source images


def test_bad_subgroup_settings_are_refused_in_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"dataset\.rare_fraction=1\.5, dataset\.dark_gain=0\.35"):
        faces(["dataset.rare_fraction=1.5"], tmp_path)


TINY = ["model=dbvae", "model.net.widths=[8,16]", "trainer.max_epochs=1"]


def test_a_batch_of_negatives_gives_the_decoder_no_gradient(tmp_path):
    model = build(compose_train(TINY, tmp_path).model)
    x = torch.rand(8, 1, 24, 24)
    terms = model._terms([x, torch.zeros(8, dtype=torch.long)])
    terms["loss"].backward()
    assert all(p.grad is None or not p.grad.any() for p in model.decoder.parameters())
    assert any(p.grad is not None and p.grad.any() for p in model.encoder.parameters())
    model.zero_grad()
    terms = model._terms([x, torch.ones(8, dtype=torch.long)])
    terms["loss"].backward()
    assert any(p.grad is not None and p.grad.any() for p in model.decoder.parameters())


def test_dbvae_refuses_data_that_is_not_positives_against_negatives(tmp_path):
    with pytest.raises(GenlabError, match="dataset 'digits' has 10 classes; use dataset=biased_faces"):
        build(compose_train(["model=dbvae", "dataset=digits"], tmp_path).model)


def test_each_epoch_draws_the_positives_the_resampler_favours(tmp_path):
    """The epoch's examples are drawn by the model's probabilities: each class keeps its share, and
    the positives the latent histograms find rare are drawn more often than the common ones."""
    run = fit([*TINY, "trainer.max_epochs=2"], tmp_path)
    epoch, weights = run.datamodule.epoch_weights
    _, y, dark = run.datamodule.train_set.tensors
    assert epoch == 1 and weights.sum() == pytest.approx(1.0)
    assert weights[y == 1].sum() == pytest.approx(0.5) and torch.allclose(weights[y == 0], weights[y == 0][0])
    assert weights[(y == 1) & (dark == 1)].mean() > weights[(y == 1) & (dark == 0)].mean()


def test_the_subgroup_report_gives_each_cells_accuracy_and_the_positives_gap(tmp_path):
    fit([*TINY], tmp_path)
    report = evaluate(
        compose_command("eval", [f"ckpt={tmp_path / 'checkpoints' / 'last.ckpt'}", "metrics=[subgroups]"])
    )
    found = json.loads(report.read_text())
    cells = {(c["label"], c["subgroup"]): c for c in found["cells"]}
    assert set(cells) == {(0, 0), (0, 1), (1, 0), (1, 1)} and all(c["n"] == 180 for c in cells.values())
    assert found["gap"] == pytest.approx(abs(cells[1, 0]["accuracy"] - cells[1, 1]["accuracy"]))
    assert Path(found["figures"][0]).read_bytes()[:4] == b"\x89PNG"


def test_subgroups_need_a_dataset_with_subgroup_labels(tmp_path):
    fit(["model=classifier", "dataset=digits", "dataset.image_size=8", "trainer.max_epochs=1"], tmp_path)
    status, stderr = cli_in_process(["eval", f"ckpt={tmp_path / 'checkpoints' / 'last.ckpt'}", "metrics=[subgroups]"])
    assert status != 0 and "'digits' has none; use dataset=biased_faces" in stderr
    assert len(stderr.strip().splitlines()) == 1


def subgroup_gap(run) -> float:
    x, y, dark = run.datamodule.val_set.tensors
    with torch.no_grad():
        right = run.model.eval().predict(x) == y
    return float(right[(y == 1) & (dark == 0)].float().mean() - right[(y == 1) & (dark == 1)].float().mean())


@pytest.mark.slow
def test_dbvae_shrinks_the_subgroup_gap_of_the_plain_classifier_at_equal_steps(tmp_path):
    """5 epochs each (225 steps) on biased_faces with 2 % dark training faces, one thread (as `make
    test` runs); measured gap (light − dark faces' accuracy), classifier against DB-VAE, seeds 0/1/2:
    0.139 vs 0.117, 0.200 vs 0.133, 0.744 vs 0.056 (mean margin 0.26). At 5 % dark faces the gaps
    are small enough (0.02–0.19) that thread count alone reorders them at some seeds, so the test
    uses the starker bias. Asserted: a mean margin above 0.1, and a smaller gap at 2 seeds of 3."""
    gaps = {}
    for seed in (0, 1, 2):
        for model in ("classifier", "dbvae"):
            overrides = [f"model={model}", "dataset=biased_faces", "dataset.rare_fraction=0.02"]
            run = fit([*overrides, "trainer.max_epochs=5", f"seed={seed}"], tmp_path / f"{model}{seed}")
            gaps[model, seed] = subgroup_gap(run)
    margins = [gaps["classifier", seed] - gaps["dbvae", seed] for seed in (0, 1, 2)]
    assert sum(margins) / 3 > 0.1 and sum(m > 0 for m in margins) >= 2, gaps


@pytest.fixture
def two_folders(tmp_path) -> tuple[Path, Path, list[str]]:
    """24 light and 6 dark face crops as positives, 30 non-faces as negatives (biased_faces' sources), PNG."""
    data = faces([], tmp_path / "source")
    x, y, dark = data.val_set.tensors
    pick = {"pos": torch.cat([((y == 1) & (dark == 0)).nonzero()[:24], ((y == 1) & (dark == 1)).nonzero()[:6]])}
    pick["neg"] = (y == 0).nonzero()[:30]
    names = []
    for kind, rows in pick.items():
        (tmp_path / kind).mkdir()
        for row in rows.flatten().tolist():
            name = f"{kind}{row:04d}.png"
            save_image(x[row], tmp_path / kind / name)
            names.append(f"{name},{int(dark[row])}")
    return tmp_path / "pos", tmp_path / "neg", names


def folder_args(positives: Path, negatives: Path, *more: str) -> list[str]:
    common = ["dataset.channels=1", "dataset.image_size=16", "dataset.num_workers=0", "dataset.val_fraction=0.5"]
    common.append("dataset.batch_size=10")
    return [
        "model=dbvae",
        "dataset=class_folders",
        f"dataset.positives={positives}",
        f"dataset.negatives={negatives}",
        *common,
        *more,
    ]


def test_two_folders_and_a_subgroup_csv_train_dbvae_and_give_the_subgroup_report(two_folders, tmp_path):
    positives, negatives, names = two_folders
    table = tmp_path / "subgroups.csv"
    table.write_text("file,subgroup\n" + "\n".join(names) + "\n")
    run = fit(
        [
            *folder_args(positives, negatives, f"dataset.subgroups={table}"),
            "model.net.widths=[8,16]",
            "trainer.max_epochs=1",
        ],
        tmp_path / "run",
    )
    assert run.datamodule.label_names == ("class", "subgroup") and len(run.datamodule.train_set) == 30
    report = evaluate(
        compose_command("eval", [f"ckpt={tmp_path / 'run' / 'checkpoints' / 'last.ckpt'}", "metrics=[subgroups]"])
    )
    cells = json.loads(report.read_text())["cells"]
    assert {(c["label"], c["subgroup"]) for c in cells} <= {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert sum(c["n"] for c in cells) == 30


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("name,group\n", r"the first line must be the header file,subgroup"),
        ("file,subgroup\npos0000.png,dark\n", r"line 2: expected <file name>,<subgroup ≥ 0>, got 'pos0000.png,dark'"),
        (
            "file,subgroup\nnowhere.png,1\n",
            r"line 2: no image named 'nowhere.png' in dataset.positives or dataset.negatives",
        ),
        (None, r"dataset.subgroups=.*missing.csv: no such file"),
    ],
)
def test_a_bad_subgroup_csv_is_refused_in_one_line(two_folders, tmp_path, table, message):
    positives, negatives, _ = two_folders
    path = tmp_path / ("missing.csv" if table is None else "subgroups.csv")
    if table is not None:
        path.write_text(table)
    with pytest.raises(GenlabError, match=message):
        faces_from_folders = build(
            compose_train(folder_args(positives, negatives, f"dataset.subgroups={path}"), tmp_path).dataset
        )
        faces_from_folders.setup()


def test_a_missing_folder_is_named_in_one_line(two_folders, tmp_path):
    positives, _, _ = two_folders
    data = build(compose_train(folder_args(positives, tmp_path / "absent"), tmp_path).dataset)
    with pytest.raises(
        GenlabError, match=r"dataset 'class_folders' not found under .*absent \(dataset.negatives: no image files\)"
    ):
        data.setup()


def test_every_epoch_pictures_the_most_and_least_drawn_training_examples(tmp_path):
    grid = ResamplingGrid(str(tmp_path), n=8)
    run = fit([*TINY, "trainer.max_epochs=2"], tmp_path, extra_callbacks=[grid])
    pictures = sorted((tmp_path / "images" / "resampling").glob("step_*.png"))
    assert len(pictures) == 2
    picture = decode_png(read_file(str(pictures[-1])))
    assert picture.shape[1:] == (2 * (24 + 2) + 2, 4 * (24 + 2) + 2)  # two rows of four, 2-px padding
    _, weights = run.datamodule.epoch_weights
    _, y, _ = run.datamodule.train_set.tensors
    order = torch.argsort(weights, descending=True)
    assert y[order[:4]].eq(1).all() and y[order[-4:]].eq(1).all()  # both rows are faces
