"""The README, run as a new user runs it: every command of its ```bash blocks, in order, in one
empty working directory, at the budget `tests/readme_commands.py` documents — each exits 0, prints
no traceback, writes the files its comment names (`→ FILE`) and prints the scores its example
output lists. A command a CPU in CI cannot run (a GPU, a download) is in `SKIPPED` with the
reason, and a skip that names no README command fails, so the list cannot go stale."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from tests.conftest import cli_output_in_process, run_cli, run_dirs
from tests.readme_commands import (
    README,
    SKIPPED,
    Command,
    Made,
    fill,
    newest,
    readme_commands,
    shortened,
    subcommand,
)

PRINTED_SCORE = re.compile(r"^(\w+\[[^\]]+\])\s+-?[\d.]+")
VARIABLE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
IN_SUBPROCESS = ("trainer=ddp_cpu",)  # DDP re-runs sys.argv for its ranks: the real console script


def test_every_skipped_command_is_in_the_readme():
    texts = {c.text for c in readme_commands(README.read_text())}
    stale = [text for text in SKIPPED if text not in texts]
    assert not stale, f"SKIPPED names commands the README no longer has: {stale}"


def make_inputs(cwd: Path) -> dict[str, Path]:
    """The user's own images the translate examples read: a folder of edge maps, a folder of grey
    digits (face swap's identity A), one grey JPEG."""
    digits = load_digits().images
    folder, grey = cwd / "my_edges", cwd / "my_digits"
    folder.mkdir()
    grey.mkdir()
    for i in range(3):
        image = Image.fromarray((digits[i] * 255 / 16).astype(np.uint8)).resize((32, 32))
        image.save(grey / f"digit_{i}.png")
        image.point(lambda v: 255 if v > 128 else 0).save(folder / f"edges_{i}.png")
    Image.fromarray((255 - digits[3] * 255 / 16).astype(np.uint8)).resize((32, 32)).save(cwd / "zebra.jpg")
    return {"my_edges/": folder, "my_digits/": grey, "zebra.jpg": cwd / "zebra.jpg"}


def expand(args: list[str], variables: dict[str, str]) -> list[str]:
    return [re.sub(r"\$([A-Z][A-Z0-9_]*)", lambda m: variables[m.group(1)], a) for a in args]


def run_command(command: Command, args: list[str], cwd: Path) -> tuple[int, str, str]:
    if any(a in IN_SUBPROCESS for a in args):
        result = run_cli(*args[1:], cwd=cwd)
        return result.returncode, result.stdout, result.stderr
    return cli_output_in_process(args[1:])


def check(command: Command, status: int, stdout: str, stderr: str, cwd: Path) -> None:
    where = f"README.md:{command.line}: {command.text}"
    assert status == 0, f"{where}\nexit {status}\n{stderr[-3000:]}"
    assert "Traceback" not in stderr, f"{where}\n{stderr[-3000:]}"
    for name in command.files:
        assert any(cwd.rglob(name)), f"{where}: wrote no {name}"
    for promise in command.promises:
        printed = PRINTED_SCORE.match(promise)
        assert printed is None or printed.group(1) in stdout, f"{where}: printed no {printed.group(1)}\n{stdout}"


@pytest.mark.slow
def test_every_readme_command_runs_as_the_readme_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("GENLAB_OUTPUT_DIR", "GENLAB_DATA_DIR", "GENLAB_SUBCOMMAND", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path / "cache"))
    commands = readme_commands(README.read_text())
    made = Made(cwd=tmp_path, inputs=make_inputs(tmp_path))
    # the domain feature space the scoring examples read (`classifier=...`) comes first
    (classifier,) = [c for c in commands if c.text.startswith("genlab train model=classifier trainer.")]
    check(classifier, *run_command(classifier, shortened(classifier.args), tmp_path), tmp_path)
    made.classifier = newest("outputs/classifier-digits/*/checkpoints/last.ckpt", tmp_path)
    variables: dict[str, str] = {}
    ran = 0
    for command in commands:
        if command.text in SKIPPED:
            continue
        assignment = VARIABLE.match(command.text)
        if assignment:
            variables[assignment.group(1)] = fill(assignment.group(2), made)
            continue
        args = shortened([fill(a, made) for a in expand(command.args, variables)])
        before = set(run_dirs(tmp_path / "outputs")) if (tmp_path / "outputs").exists() else set()
        check(command, *run_command(command, args, tmp_path), tmp_path)
        ran += 1
        new = set(run_dirs(tmp_path / "outputs")) - before
        if subcommand(args) == "train" and "-m" not in args and len(new) == 1:
            made.last_run = new.pop()
        elif subcommand(args) == "train" and args[2:3] and args[2].startswith("resume="):
            made.last_run = Path(args[2].partition("=")[2])
    assert ran >= 40, f"only {ran} README commands ran"
