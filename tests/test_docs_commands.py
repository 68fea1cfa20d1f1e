"""The README and the site's pages, run as a new user runs them: every command of a page's ```bash
blocks, in order, in one empty working directory per page, at the budget `tests/docs_commands.py`
documents — each exits 0, prints no traceback, writes the files its comment names (`→ FILE`) and
prints the scores its example output lists. A command a CPU in CI cannot run (a GPU, a download,
a user's folder, a full reproduction) is in `SKIPPED` with the reason, and a skip that names no
page's command fails, so the list cannot go stale. One test per page, so pytest-xdist spreads them."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from tests.conftest import cli_output_in_process, run_cli, run_dirs
from tests.docs_commands import (
    CLASSIFIER,
    ROOT,
    SKIPPED,
    Command,
    Made,
    commands_of,
    documented_pages,
    fill,
    needs_classifier,
    newest,
    shortened,
    subcommand,
)

PRINTED_SCORE = re.compile(r"^(\w+\[[^\]]+\])\s+-?[\d.]+")
VARIABLE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
IN_SUBPROCESS = ("trainer=ddp_cpu",)  # DDP re-runs sys.argv for its ranks: the real console script
COMMANDS = {page: commands_of(page.read_text()) for page in documented_pages()}
RUNNABLE = [page for page, commands in COMMANDS.items() if any(c.text not in SKIPPED for c in commands)]


def test_every_skipped_command_is_on_a_page_and_the_classifier_command_too():
    texts = {c.text for commands in COMMANDS.values() for c in commands}
    stale = [text for text in SKIPPED if text not in texts]
    assert not stale, f"SKIPPED names commands no page has any more: {stale}"
    assert CLASSIFIER in texts, f"no page has the classifier command {CLASSIFIER!r} the placeholders stand for"


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


def run_command(args: list[str], cwd: Path) -> tuple[int, str, str]:
    if any(a in IN_SUBPROCESS for a in args):
        result = run_cli(*args[1:], cwd=cwd)
        return result.returncode, result.stdout, result.stderr
    return cli_output_in_process(args[1:])


def check(where: str, command: Command, status: int, stdout: str, stderr: str, cwd: Path) -> None:
    where = f"{where}: {command.text}"
    assert status == 0, f"{where}\nexit {status}\n{stderr[-3000:]}"
    assert "Traceback" not in stderr, f"{where}\n{stderr[-3000:]}"
    for name in command.files:
        assert any(cwd.rglob(name)), f"{where}: wrote no {name}"
    for promise in command.promises:
        printed = PRINTED_SCORE.match(promise)
        assert printed is None or printed.group(1) in stdout, f"{where}: printed no {printed.group(1)}\n{stdout}"


def train_classifier(cwd: Path) -> Path:
    """The digits classifier the page's `classifier=...` and `=PATH` stand for."""
    (command,) = commands_of(f"```bash\n{CLASSIFIER}\n```\n")
    check("the classifier placeholders' run", command, *run_command(shortened(command.args), cwd), cwd)
    return newest("outputs/classifier-digits/*/checkpoints/last.ckpt", cwd)


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_command_of_the_page_runs_as_it_says(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("GENLAB_OUTPUT_DIR", "GENLAB_DATA_DIR", "GENLAB_SUBCOMMAND", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GENLAB_CACHE_DIR", str(tmp_path / "cache"))
    commands = [c for c in COMMANDS[page] if c.text not in SKIPPED]
    made = Made(cwd=tmp_path, inputs=make_inputs(tmp_path))
    if any(needs_classifier(c) for c in commands):
        made.classifier = train_classifier(tmp_path)
    variables: dict[str, str] = {}
    for command in commands:
        assignment = VARIABLE.match(command.text)
        if assignment:
            variables[assignment.group(1)] = fill(assignment.group(2), made)
            continue
        args = shortened([fill(a, made) for a in expand(command.args, variables)])
        before = set(run_dirs(tmp_path / "outputs")) if (tmp_path / "outputs").exists() else set()
        check(f"{page.relative_to(ROOT)}:{command.line}", command, *run_command(args, tmp_path), tmp_path)
        new = set(run_dirs(tmp_path / "outputs")) - before
        if subcommand(args) == "train" and "-m" not in args and len(new) == 1:
            made.last_run = new.pop()
        elif subcommand(args) == "train" and args[2:3] and args[2].startswith("resume="):
            made.last_run = Path(args[2].partition("=")[2])
