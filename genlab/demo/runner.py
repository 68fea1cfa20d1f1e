"""Runs a demo recipe: its training runs (each in `<runs>/<run>-<digest>/`, the digest of its
overrides; `<runs>` is `outputs/demos/<demo>/runs`), then its commands, then its page in
`<out>/<demo>/` (the same folder by default; `out=docs/gallery` puts the page on the site and
leaves the runs, checkpoints and all, in outputs/).

A run whose folder holds `summary.json` (written when a run reaches its end) is reused instead of
trained again; one with a checkpoint but no summary (an interrupted attempt) is resumed; a
changed recipe or budget has another digest, so another folder. Every step is a real `genlab`
command in a child process — the page lists them as a user would type them, and each has the
house's checks, logs and one-line errors.

The page (`index.md`) shows the figures (copied into `figures/`), the numbers with the run they
come from (`numbers.json` adds the protocol card of each score) and the commands; a recipe with
`layout: zoo` shows its numbers as a table instead, a row per run with its training command and
CPU minutes (the model zoo).
"""

import hashlib
import json
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genlab.demo.recipe import Recipe
from genlab.errors import GenlabError
from genlab.run.listing import escape_markdown

SUMMARY = "summary.json"


def run_genlab(args: list[str]) -> int:
    """`genlab ARGS` in a child process (its exit status): a fresh interpreter per step, as a user
    runs them, so no step inherits another's Hydra, logging or torch state."""
    return subprocess.run([sys.executable, "-m", "genlab", *args], check=False).returncode


@dataclass
class Demo:
    recipe: Recipe
    out: Path  # the page's folder: <out>/<name>
    runs: Path  # the runs' folder: <output root>/demos/<name>/runs
    quick: bool
    extra: list[str] = field(default_factory=list)  # the user's overrides, for every training run
    ran: list[str] = field(default_factory=list)  # the commands, as a user would type them

    def train_args(self, run: str) -> list[str]:
        training = self.recipe.runs[run]
        return [*training.train, *(training.quick if self.quick else []), *self.extra]

    def run_dir(self, run: str) -> Path:
        digest = hashlib.sha256("\n".join(self.train_args(run)).encode()).hexdigest()[:8]
        return self.runs / f"{run}-{digest}"

    def genlab(self, args: list[str]) -> None:
        """One genlab command in a child process, its output on the console."""
        self.ran.append(shlex.join(["genlab", *args]))
        status = run_genlab(args)
        if status != 0:
            raise GenlabError(f"demo {self.recipe.name}: `{self.ran[-1]}` failed (exit {status}); its output is above")

    def ensure_run(self, run: str) -> Path:
        folder = self.run_dir(run)
        if (folder / SUMMARY).is_file():
            print(f"genlab demo: reusing the finished run {folder}", file=sys.stderr)
            return folder
        if (folder / "checkpoints" / "last.ckpt").is_file():
            self.genlab(["train", f"resume={folder}"])
        else:
            self.genlab(["train", *self.train_args(run), f'hydra.run.dir="{folder}"'])
        return folder


class RunPaths(str):
    """A run's `last.ckpt` as a command's argument (`{run}`), with its folder as `{run.dir}`."""

    dir: str

    @classmethod
    def of(cls, folder: Path) -> "RunPaths":
        paths = cls(folder / "checkpoints" / "last.ckpt")
        paths.dir = str(folder)
        return paths


def checkpoints(folders: dict[str, Path]) -> dict[str, RunPaths]:
    return {run: RunPaths.of(folder) for run, folder in folders.items()}


def newest(folder: Path, pattern: str, demo: str) -> Path:
    found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
    if not found:
        raise GenlabError(f"demo {demo}: no {pattern} in {folder}; the recipe names a figure the run did not write")
    return found[-1]


def at(document: Any, key: str) -> tuple[Any, dict | None]:
    """The value at a dotted key of a report (`records.0.value`: list items by index) and the
    protocol card of the innermost object on the way that has one (an eval report's records each
    carry their own; other reports one at the top)."""
    value = document
    card = document.get("protocol") if isinstance(document, dict) else None
    for part in key.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, dict) and "protocol" in value:
            card = value["protocol"]
    return value, card


def protocol_of(folder: Path, key: str, report: str | None) -> dict | None:
    """The protocol card of the report's number, or of the latest score `metrics/<name>` in the
    run's metrics.jsonl."""
    if report is not None:
        return at(json.loads((folder / report).read_text()), key)[1]
    records = folder / "metrics.jsonl"
    if not key.startswith("metrics/") or not records.is_file():
        return None
    rows = [json.loads(line) for line in records.read_text().splitlines() if line.strip()]
    matching = [row for row in rows if f"metrics/{row['name']}" == key]
    return matching[-1]["protocol"] if matching else None


def number(folder: Path, key: str, demo: str, report: str | None) -> float:
    if report is None:
        final = json.loads((folder / SUMMARY).read_text())["final"]
        if key not in final:
            raise GenlabError(f"demo {demo}: {folder} logged no {key}; it logged {', '.join(final) or 'nothing'}")
        return final[key]
    file = folder / report
    value = at(json.loads(file.read_text()), key)[0] if file.is_file() else None
    if not isinstance(value, int | float):
        raise GenlabError(
            f"demo {demo}: {file} holds no number at {key}; the recipe names a report its commands did not write"
        )
    return float(value)


def run_demo(demo: Demo) -> Path:
    """Train or reuse, run the commands, write the page; returns `index.md`."""
    recipe = demo.recipe
    folders = {run: demo.ensure_run(run) for run in recipe.runs}
    for command in recipe.commands:
        args = [*command.args, *(command.quick if demo.quick else [])]
        demo.genlab([arg.format(**checkpoints(folders)) for arg in args])
    demo.out.mkdir(parents=True, exist_ok=True)
    figures_dir = demo.out / "figures"
    shutil.rmtree(figures_dir, ignore_errors=True)  # a rerun's page holds its own figures, not the last one's
    if recipe.figures:
        figures_dir.mkdir()
    shown = []
    for figure in recipe.figures:
        source = newest(folders[figure.run], figure.file, recipe.name)
        target = figures_dir / f"{figure.run}_{source.parent.name}_{source.name}"  # grids of one step share a name
        shutil.copyfile(source, target)
        shown.append((figure.caption, target.name))
    numbers = [
        {
            "of": n.run,
            "key": n.key,
            "caption": n.caption,
            "value": number(folders[n.run], n.key, recipe.name, n.report),
            "run": str(folders[n.run]),
            "protocol": protocol_of(folders[n.run], n.key, n.report),
        }
        for n in recipe.numbers
    ]
    record = {"demo": recipe.name, "title": recipe.title, "quick": demo.quick, "numbers": numbers, "commands": demo.ran}
    (demo.out / "numbers.json").write_text(json.dumps(record, indent=2))
    page = demo.out / "index.md"
    table = zoo_table(recipe, demo, folders, numbers) if recipe.layout == "zoo" else number_list(numbers)
    page.write_text(render(recipe, demo.quick, shown, table, demo.ran))
    return page


def number_list(numbers: list[dict]) -> list[str]:
    if not numbers:
        return []
    lines = ["| number | value | what it is |", "|---|---|---|"]
    lines += [f"| `{n['key']}` | {n['value']:.4g} | {escape_markdown(n['caption'])} |" for n in numbers]
    return [*lines, "", "Each number's run and protocol card are in `numbers.json`.", ""]


def zoo_table(recipe: Recipe, demo: Demo, folders: dict[str, Path], numbers: list[dict]) -> list[str]:
    """A row per run: its name, its `genlab train` command, the CPU minutes its training took
    (summary.json's `seconds`) and a column per number caption, empty where the run has none."""
    columns = list(dict.fromkeys(n["caption"] for n in numbers))
    lines = ["| model | command | CPU min | " + " | ".join(map(escape_markdown, columns)) + " |"]
    lines.append("|---" * (3 + len(columns)) + "|")
    for run, folder in folders.items():
        seconds = json.loads((folder / SUMMARY).read_text()).get("seconds")
        minutes = "–" if seconds is None else f"{seconds / 60:.2f}"
        values = {n["caption"]: f"{n['value']:.4g}" for n in numbers if n["of"] == run}
        command = escape_markdown(shlex.join(["genlab", "train", *demo.train_args(run)]))
        cells = [run, f"`{command}`", minutes, *(values.get(c, "") for c in columns)]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, "", "Each number's run, report and protocol card are in `numbers.json`.", ""]


def render(recipe: Recipe, quick: bool, shown: list[tuple[str, str]], table: list[str], ran: list[str]) -> str:
    lines = [f"# {recipe.title}", "", f"*{recipe.lecture}.* {recipe.shows}.", ""]
    if quick:
        lines += ["!!! warning", "    A `quick=true` run, seconds of training for CI: not the lecture's picture.", ""]
    for caption, name in shown:
        alt = caption.replace("[", "").replace("]", "")  # a bracket would end the image's alt text
        lines += [f"![{alt}](figures/{name})", "", f"*{caption}*", ""]
    lines += table
    lines += ["The commands it ran:", "", "```bash", *ran, "```", ""]
    return "\n".join(lines)
