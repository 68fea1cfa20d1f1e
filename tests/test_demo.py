"""`genlab demo`: every recipe is listed, runs under quick=true and writes its page, figures and
numbers; a finished run is reused, not trained again; bad recipes and arguments are one line."""

import json
import math
import re
import sys
from pathlib import Path

import pytest

from genlab.demo import runner
from genlab.demo.recipe import Command, Figure, Recipe, Training, demo_names, load_recipe
from genlab.demo.runner import Demo, checkpoints, number, protocol_of, run_demo, zoo_table
from genlab.errors import GenlabError
from tests.conftest import cli_output_in_process, compose_train

# The model zoo trains every family (7 min under quick=true, for its evaluations): CI composes each
# of its rows instead (test_every_row_of_the_model_zoo_composes); each family's own tests train it.
QUICK_IN_CI = [name for name in demo_names() if name != "model_zoo"]


def test_demo_list_shows_every_recipe_with_its_lecture_time_and_page(tmp_path):
    status, stdout, stderr = cli_output_in_process(["demo", "list", f"out={tmp_path}"])
    assert status == 0, stderr
    for name in demo_names():
        recipe = load_recipe(name)
        title = f"{recipe.title} (~{recipe.cpu_minutes:g} CPU min on 2 cores)"
        assert re.search(rf"^{name} +{re.escape(title)}$", stdout, re.M), stdout
        assert f"lecture: {recipe.lecture}" in stdout and str(tmp_path / name / "index.md") in stdout
    assert len(demo_names()) >= 3


def made_up(name: str, runs: dict[str, list[str]], **fields) -> Recipe:
    """A recipe of `runs` (name → train overrides) with placeholder texts."""
    training = {run: Training(train=train) for run, train in runs.items()}
    return Recipe(name=name, title="t", lecture="l", shows="s", cpu_minutes=1, runs=training, **fields)


def test_a_recipe_naming_a_run_it_does_not_have_is_refused():
    recipe = made_up("broken", {"gan": ["model=gan"]}, figures=[Figure(run="ganx", file="images/*.png", caption="c")])
    with pytest.raises(GenlabError, match="demo broken: ganx is not one of its runs"):
        recipe.check()
    recipe.figures[0].run = "gan"
    recipe.commands = [Command(args=["compare", "{gan.dir}"], quick=["{vae.dir}"])]
    with pytest.raises(GenlabError, match=r"demo broken: vae is not one of its runs \(gan\)"):
        recipe.check()


def test_a_command_reads_a_runs_checkpoint_as_run_and_its_folder_as_run_dir(tmp_path):
    folder = tmp_path / "gan-0123abcd"
    args = ["ckpt={gan}", "{gan.dir}"]
    assert [arg.format(**checkpoints({"gan": folder})) for arg in args] == [
        f"ckpt={folder / 'checkpoints' / 'last.ckpt'}",
        str(folder),
    ]


@pytest.mark.parametrize("quick", [False, True])
def test_a_commands_quick_args_are_appended_under_quick_only(quick, tmp_path, monkeypatch):
    commands = [{"args": ["eval", "ckpt={ddpm}", "n=500"], "quick": ["n=8"]}, ["sample", "ckpt={ddpm}"]]
    demo = Demo(made_up("q", {"ddpm": ["model=ddpm"]}, commands=commands), tmp_path / "page", tmp_path / "runs", quick)
    demo.run_dir("ddpm").mkdir(parents=True)
    (demo.run_dir("ddpm") / "summary.json").write_text("{}")  # a finished run: reused, not trained
    ran = []
    monkeypatch.setattr(runner, "run_genlab", lambda args: ran.append(args) or 0)
    run_demo(demo)
    ckpt = f"ckpt={demo.run_dir('ddpm') / 'checkpoints' / 'last.ckpt'}"
    assert ran == [["eval", ckpt, "n=500", *(["n=8"] if quick else [])], ["sample", ckpt]]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["demo", "nope"], "demo 'nope' does not exist; `genlab demo list` shows them"),
        (["demo", "gan_dynamics", "quick=maybe"], "quick=maybe: use quick=true"),
        (["demo", "gan_dynamics", "quick"], "quick: pass key=value"),
    ],
)
def test_bad_demo_arguments_are_one_line(args, line, tmp_path):
    status, _, stderr = cli_output_in_process([*args, f"out={tmp_path}"])
    assert status == 2 and stderr.startswith(f"genlab: error: {line}") and len(stderr.splitlines()) == 1, stderr
    assert not any(tmp_path.iterdir()), "a refused demo writes nothing"


@pytest.fixture
def outputs(tmp_path, monkeypatch):
    """The runs' root (GENLAB_OUTPUT_DIR, inherited by the demo's genlab processes)."""
    monkeypatch.setenv("GENLAB_OUTPUT_DIR", str(tmp_path / "outputs"))
    return tmp_path / "outputs"


def in_this_process(args: list[str]) -> int:
    """A demo step as `genlab ARGS` in the test's process: the same command without a new
    interpreter's seconds of imports (test_a_demo_reuses_its_finished_run keeps the child processes)."""
    status, _, stderr = cli_output_in_process(args)
    if status:
        print(stderr[-3000:], file=sys.stderr)
    return status


@pytest.mark.slow
@pytest.mark.parametrize("name", QUICK_IN_CI)
def test_every_demo_runs_quick_and_writes_its_page(name, tmp_path, outputs, monkeypatch):
    monkeypatch.setattr(runner, "run_genlab", in_this_process)
    status, stdout, stderr = cli_output_in_process(["demo", name, "quick=true", f"out={tmp_path}"])
    assert status == 0, stderr[-3000:]
    folder = tmp_path / name
    page = (folder / "index.md").read_text()
    assert stdout.strip().endswith(str(folder / "index.md"))
    figures = re.findall(r"!\[[^\]]*\]\((figures/[^)]+)\)", page)
    recipe = load_recipe(name)
    assert len(set(figures)) == len(recipe.figures) and all((folder / f).stat().st_size > 0 for f in figures)
    record = json.loads((folder / "numbers.json").read_text())
    assert record["quick"] is True and [n["key"] for n in record["numbers"]] == [n.key for n in recipe.numbers]
    assert all(math.isfinite(n["value"]) for n in record["numbers"])
    assert record["commands"] and all(f"`{n['key']}`" in page for n in record["numbers"])
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 4 for row in rows), "a caption's | would split its cell"
    assert all(command in page for command in record["commands"]), "the page lists the commands it ran"
    assert all(str(outputs / "demos" / name / "runs") in n["run"] for n in record["numbers"]), "runs stay in outputs"


@pytest.mark.slow
def test_a_demo_reuses_its_finished_run(tmp_path, outputs):
    args = ["demo", "gan_dynamics", "quick=true"]
    assert cli_output_in_process(args)[0] == 0
    (run,) = (outputs / "demos" / "gan_dynamics" / "runs").iterdir()
    trained = (run / "checkpoints" / "last.ckpt").stat().st_mtime_ns
    status, _, stderr = cli_output_in_process(args)
    assert status == 0 and f"genlab demo: reusing the finished run {run}" in stderr
    assert (run / "checkpoints" / "last.ckpt").stat().st_mtime_ns == trained
    assert [p.name for p in run.parent.iterdir()] == [run.name]
    assert (outputs / "demos" / "gan_dynamics" / "index.md").is_file(), "the page beside its runs by default"


def test_a_number_from_a_report_is_read_by_its_dotted_path_or_refused_in_one_line(tmp_path):
    report = tmp_path / "metrics" / "anomaly_last.json"
    report.parent.mkdir()
    report.write_text(json.dumps({"protocol": {"split": "val"}, "scores": {"pca": {"auroc": 0.75}}}))
    assert number(tmp_path, "scores.pca.auroc", "anomaly_digits", "metrics/anomaly_last.json") == 0.75
    assert protocol_of(tmp_path, "scores.pca.auroc", "metrics/anomaly_last.json") == {"split": "val"}
    with pytest.raises(GenlabError, match=r"holds no number at scores\.iwae\.auroc; the recipe names a report"):
        number(tmp_path, "scores.iwae.auroc", "anomaly_digits", "metrics/anomaly_last.json")
    with pytest.raises(GenlabError, match="holds no number"):
        number(tmp_path, "scores.pca.auroc", "anomaly_digits", "metrics/missing.json")


def test_a_number_in_a_list_of_records_is_read_by_index_with_its_records_protocol(tmp_path):
    """`genlab eval` writes a list of records, each with its own protocol card."""
    report = tmp_path / "metrics" / "eval_last.json"
    report.parent.mkdir()
    records = [{"name": "fid", "value": 119.4, "protocol": {"n": 1000}}, {"name": "kid", "value": 0.2}]
    report.write_text(json.dumps({"records": records}))
    assert number(tmp_path, "records.0.value", "vaegan", "metrics/eval_last.json") == 119.4
    assert protocol_of(tmp_path, "records.0.value", "metrics/eval_last.json") == {"n": 1000}
    assert protocol_of(tmp_path, "records.1.value", "metrics/eval_last.json") is None
    with pytest.raises(GenlabError, match=r"holds no number at records\.2\.value"):
        number(tmp_path, "records.2.value", "vaegan", "metrics/eval_last.json")


def test_every_row_of_the_model_zoo_composes_and_every_model_has_a_row(tmp_path):
    recipe = load_recipe("model_zoo")
    models = {compose_train(training.train, tmp_path).model.name for training in recipe.runs.values()}
    families = {path.stem for path in (Path(__file__).parents[1] / "configs" / "model").glob("*.yaml")}
    assert families <= models, f"models without a row in the zoo: {sorted(families - models)}"


def test_the_zoo_layout_is_a_row_per_run_with_its_command_minutes_and_a_column_per_caption(tmp_path):
    recipe = made_up("zoo", {"ae": ["model=ae"], "gan": ["model=gan", "trainer.max_steps=9"]}, layout="zoo")
    folders = {run: tmp_path / run for run in recipe.runs}
    for folder, seconds in zip(folders.values(), (90, None), strict=True):
        folder.mkdir()
        (folder / "summary.json").write_text(json.dumps({"final": {}} | ({"seconds": seconds} if seconds else {})))
    numbers = [
        {"of": "ae", "caption": "MSE", "value": 0.01234},
        {"of": "gan", "caption": "FID", "value": 123.456},
        {"of": "ae", "caption": "FID", "value": 99.0},
    ]
    table = zoo_table(recipe, Demo(recipe, tmp_path, tmp_path, quick=False), folders, numbers)
    assert table[:4] == [
        "| model | command | CPU min | MSE | FID |",
        "|---|---|---|---|---|",
        "| ae | `genlab train model=ae` | 1.50 | 0.01234 | 99 |",
        "| gan | `genlab train model=gan trainer.max_steps=9` | – |  | 123.5 |",
    ]
