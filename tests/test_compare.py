"""`genlab compare`: a sweep's runs in one table, the overrides that differ as columns, sorted by
a metric, in text/Markdown/CSV; their curves in one PNG; clear one-line refusals."""

import csv
import io
import re

import pytest
from PIL import Image

from genlab.run.compare import duration
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    args = ["model=ae", "dataset.image_size=16", "model.latent_dim=2,8", "trainer.max_steps=30", "callbacks=minimal"]
    result = run_cli("train", "-m", *args, cwd=root, output_root=root)
    assert result.returncode == 0, result.stderr[-2000:]
    (folder,) = (root / "multirun").iterdir()
    return folder


def test_a_sweep_becomes_one_table_sorted_by_a_metric(sweep, tmp_path):
    result = run_cli("compare", str(sweep), "sort=val/loss", "format=csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert header[:5] == ["run", "model.latent_dim", "status", "steps", "time"], "only the override that differs"
    assert "val/loss (final/best)" in header and len(rows) == 2
    assert {row[1] for row in rows} == {"2", "8"} and {row[2] for row in rows} == {"finished"}
    column = header.index("val/loss (final/best)")
    finals = [float(row[column].split(" / ")[0]) for row in rows]
    assert finals == sorted(finals), "lowest val/loss first"
    assert rows[0][3] == "30"
    assert all(re.fullmatch(r"\d+\.\d s", row[4]) for row in rows), "a run of seconds in seconds, not 0.0 minutes"


def test_durations_take_the_unit_that_fits():
    assert [duration(s) for s in (4.24, 59.9, 61, 3599, 5400)] == ["4.2 s", "59.9 s", "1.0 min", "60.0 min", "1.5 h"]


def test_markdown_and_text_hold_the_same_rows(sweep, tmp_path):
    markdown = run_cli("compare", str(sweep), "format=markdown", cwd=tmp_path).stdout.splitlines()
    assert (
        markdown[0].startswith("| run | model.latent_dim |") and markdown[1].startswith("|---|") and len(markdown) == 4
    )
    text = run_cli("compare", str(sweep), cwd=tmp_path).stdout.splitlines()
    assert len(text) == 3 and text[0].split()[:2] == ["run", "model.latent_dim"]


def test_plot_draws_the_chosen_curves_of_every_run_into_one_png(sweep, tmp_path):
    png = tmp_path / "figures" / "curves.png"  # a folder that does not exist yet
    result = run_cli("compare", str(sweep), "plot=val/loss,val/mse", f"png={png}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Image.open(png) as image:
        assert image.size == (1000, 350 + 75), "two panels of 5 × 3.5 inches at 100 dpi, a legend of two runs below"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sort=metrics/fid"], "sort=metrics/fid: no run logged it; choose one of"),
        (["format=xlsx"], "format=xlsx: use one of text, markdown, csv"),
        (["colour=red"], "colour= is not an option of genlab compare"),
        (["plot=val/loss"], "plot= and png= go together"),
        (["plot=val/fid", "png=x.png"], "plot=val/fid: no run logged it; choose from"),
    ],
)
def test_mistakes_are_one_line(sweep, tmp_path, args, message):
    result = run_cli("compare", str(sweep), *args, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("genlab: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_folders_without_runs_are_refused(tmp_path):
    result = run_cli("compare", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "no runs below" in result.stderr
    missing = run_cli("compare", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such folder" in missing.stderr
