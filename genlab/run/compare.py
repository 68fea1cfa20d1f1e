"""`genlab compare RUN_OR_SWEEP_DIR… [sort=METRIC] [format=text|markdown|csv] [plot=TAG,… png=FILE]`:
one table of runs, and optionally their curves side by side.

Every run directory below the given folders (a run is a folder with `.hydra/config.yaml`)
becomes a row: the overrides in which the runs differ, each run's status (finished, stopped,
failed, or unfinished: running or killed), its optimiser steps, wall time, and the final and
best value of each validation scalar it logged to TensorBoard. Scores carry their feature space in their name
(`metrics/fid[inception]`, `metrics/fid[digits-classifier]`), so numbers from different feature
spaces land in different columns, never in one. `plot=` draws the chosen scalars' curves of
every run into one PNG, a panel per scalar. Reads files only: no torch, no model.
"""

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from genlab.analysis.plotting import pyplot
from genlab.errors import GenlabError
from genlab.run.user_errors import exit_on_user_error

FORMATS = ("text", "markdown", "csv")
LOWER_IS_BETTER = ("loss", "nll", "bits_per_dim", "mse", "fid", "kid", "kl", "recon")


@dataclass
class RunRow:
    """One run's table row; `curves` holds every val/ and metrics/ scalar as (steps, values)."""

    path: Path
    overrides: dict[str, str]
    status: str
    step: int | None = None
    seconds: float | None = None
    final: dict[str, float] = field(default_factory=dict)
    best: dict[str, float] = field(default_factory=dict)
    curves: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)


def find_runs(folders: list[Path]) -> list[Path]:
    runs: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            raise GenlabError(f"{folder}: no such folder; pass run or sweep directories (outputs/multirun/<stamp>)")
        found = sorted(p.parent.parent for p in folder.rglob(".hydra/config.yaml") if p.parent.parent.name != ".hydra")
        runs += [run for run in found if ".hydra" not in run.parts]
    if not runs:
        raise GenlabError(f"no runs below {', '.join(map(str, folders))}: a run directory holds .hydra/config.yaml")
    return sorted(set(runs))


def lower_is_better(tag: str) -> bool:
    return any(word in tag.rsplit("/", 1)[-1] for word in LOWER_IS_BETTER)


def read_run(run: Path) -> RunRow:
    """The row of `run`: final, best and curve of each val/ and metrics/ scalar, steps and the
    seconds from the first to the last event. Lightning logs a step's scalars under the count of
    steps before it, so steps = last + 1."""
    row = RunRow(run, read_overrides(run), status_of(run))
    if not (run / "tensorboard").is_dir():
        return row
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    steps, times = [], []
    for tag in events.Tags()["scalars"]:
        scalars = events.Scalars(tag)
        steps.append(scalars[-1].step)
        times += [scalars[0].wall_time, scalars[-1].wall_time]
        if tag.startswith(("val/", "metrics/")):
            values = [s.value for s in scalars]
            row.final[tag] = values[-1]
            row.best[tag] = min(values) if lower_is_better(tag) else max(values)
            row.curves[tag] = ([s.step + 1 for s in scalars], values)
    row.seconds = max(times) - min(times) if times else None
    row.step = max(steps) + 1 if steps else None
    return row


def status_of(run: Path) -> str:
    log = run / "train.log"
    text = log.read_text(errors="replace") if log.is_file() else ""
    if "run finished in" in text:
        return "finished"
    if "stopped by" in text:
        return "stopped"
    if "genlab: error:" in text or "Error executing job" in text:
        return "failed"
    return "unfinished"  # still running, or killed


def read_overrides(run: Path) -> dict[str, str]:
    path = run / ".hydra" / "overrides.yaml"
    lines = path.read_text().splitlines() if path.is_file() else []
    pairs = [line.removeprefix("- ").strip().strip("'\"") for line in lines if line.startswith("- ")]
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


def varying_overrides(rows: list[RunRow]) -> list[str]:
    """The override keys whose values differ between the runs."""
    return sorted({k for r in rows for k in r.overrides if len({row.overrides.get(k) for row in rows}) > 1})


def duration(seconds: float) -> str:
    """In the unit that fits: a run of a few seconds is `4.2 s`, not `0.1` minutes."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def table(rows: list[RunRow], sort: str | None) -> tuple[list[str], list[list[str]]]:
    varying = varying_overrides(rows)
    metrics = sorted({tag for r in rows for tag in r.final})
    if sort is not None:
        if sort not in metrics:
            raise GenlabError(f"sort={sort}: no run logged it; choose one of {', '.join(metrics) or '(none logged)'}")
        missing = [r for r in rows if sort not in r.final]
        ranked = sorted((r for r in rows if sort in r.final), key=lambda r: r.final[sort])
        rows = (ranked if lower_is_better(sort) else ranked[::-1]) + missing
    header = ["run", *varying, "status", "steps", "time"] + [f"{m} (final/best)" for m in metrics]
    body = []
    for r in rows:
        took = "" if r.seconds is None else duration(r.seconds)
        scores = [f"{r.final[m]:.4g} / {r.best[m]:.4g}" if m in r.final else "" for m in metrics]
        name = f"{r.path.parent.name}/{r.path.name}"  # <model>-<dataset>/<stamp>, or <sweep stamp>/<n>-<model>-…
        body.append([name, *(r.overrides.get(k, "") for k in varying), r.status, str(r.step or ""), took, *scores])
    return header, body


def render(header: list[str], body: list[list[str]], fmt: str) -> str:
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows([header, *body])
        return out.getvalue()
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in body]) + "\n"
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [header, *body]]
    return "\n".join(lines) + "\n"


def curve_label(row: RunRow, varying: list[str]) -> str:
    """The overrides a run sets among those in which the runs differ (its folder's name where it
    sets none of them: the baseline of a comparison)."""
    return " ".join(f"{k}={row.overrides[k]}" for k in varying if row.overrides.get(k)) or row.path.name


def plot_curves(rows: list[RunRow], tags: list[str], png: Path) -> None:
    """One panel per scalar, one line per run (one colour per run in every panel), and one legend
    below the panels naming each run by its overrides."""
    plt = pyplot()

    unknown = [tag for tag in tags if not any(tag in r.curves for r in rows)]
    if unknown:
        logged = sorted({t for r in rows for t in r.curves})
        raise GenlabError(f"plot={unknown[0]}: no run logged it; choose from {', '.join(logged) or '(none logged)'}")
    varying = varying_overrides(rows)
    legend_inches = 0.25 * (len(rows) + 1)
    figure, axes = plt.subplots(1, len(tags), figsize=(5 * len(tags), 3.5 + legend_inches), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    lines = {}
    for axis, tag in zip(axes[0], tags, strict=True):
        for i, r in enumerate(rows):
            if tag in r.curves:
                (line,) = axis.plot(*r.curves[tag], marker=".", color=colours[i % len(colours)])
                lines.setdefault(curve_label(r, varying), line)
        axis.set(title=tag, xlabel="step")
    figure.legend(list(lines.values()), list(lines), loc="lower center", fontsize="small", frameon=False)
    figure.tight_layout(rect=(0, legend_inches / (3.5 + legend_inches), 1, 1))
    png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png, dpi=100)
    plt.close(figure)


def compare(args: list[str]) -> str:
    options = dict(a.split("=", 1) for a in args if "=" in a)
    unknown = sorted(set(options) - {"sort", "format", "out", "plot", "png"})
    if unknown:
        raise GenlabError(f"{unknown[0]}= is not an option of genlab compare; use sort=, format=, out=, plot= or png=")
    if ("plot" in options) != ("png" in options):
        raise GenlabError("plot= and png= go together: plot=val/loss png=curves.png")
    fmt = options.get("format", "text")
    if fmt not in FORMATS:
        raise GenlabError(f"format={fmt}: use one of {', '.join(FORMATS)}")
    folders = [Path(a).expanduser() for a in args if "=" not in a]
    if not folders:
        raise GenlabError("genlab compare needs run or sweep directories, e.g. genlab compare outputs/multirun/<stamp>")
    rows = [read_run(run) for run in find_runs(folders)]
    if "plot" in options:
        plot_curves(rows, options["plot"].split(","), Path(options["png"]))
    header, body = table(rows, options.get("sort"))
    text = render(header, body, fmt)
    if "out" in options:
        Path(options["out"]).write_text(text)
    return text


def run(args: list[str]) -> int:
    with exit_on_user_error():
        print(compare(args), end="")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
