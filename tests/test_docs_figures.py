"""The docs quote measured figures from their records, not from memory: the DCGAN scores of the
results page are `scripts/reproduce_readme_scores.py`'s record, and a re-record that the page
does not follow fails here; the option tables and the experiments' times are the configs'."""

import json
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from genlab.demo.recipe import demo_names
from genlab.run.listing import collect
from tests.docs_commands import documented_pages

ROOT = Path(__file__).resolve().parent.parent


def quoted(record: dict) -> list[str]:
    """The record's numbers as the results page writes them."""
    curve = record["fid_while_training"]
    texts = [f"{100 * record['classifier_val_accuracy']:.1f} %"]
    texts += [f"{curve[p][1]:.0f} (epoch {curve[p][0]}" for p in ("first", "best", "last")]
    for which in ("eval_best_fid", "eval_last"):
        scores = record[which]
        texts += [
            f"FID {scores['fid']:.1f}",
            f"KID {scores['kid']:,.0f}".replace(",", " "),
            f"IS {scores['is']:.2f}",
            f"precision {scores['precision']:.2f}",
            f"recall {scores['recall']:.2f}",
        ]
    return texts


def test_the_results_page_quotes_the_recorded_dcgan_scores():
    record = json.loads((ROOT / "docs" / "figures" / "readme_scores.json").read_text())
    results = (ROOT / "docs" / "results.md").read_text()
    missing = [text for text in quoted(record) if text not in results]
    assert not missing, f"docs/results.md does not quote docs/figures/readme_scores.json: {missing}"


def test_the_option_tables_are_generated_from_the_configs():
    """The group table of docs/training.md, docs/options.md and the gallery's index and nav are
    `scripts/update_docs.py`'s output: a config or demo page added, removed or re-described
    without regenerating them fails here (#34 item 10, #32)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "update_docs.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    training = (ROOT / "docs" / "training.md").read_text()
    for group, options in collect(files("genlab.configs")).items():
        assert f"| `{group}` | {', '.join(f'`{o}`' for o in options)} |" in training
    gallery, nav = (ROOT / "docs" / "gallery.md").read_text(), (ROOT / "mkdocs.yml").read_text()
    for name in demo_names():
        assert f"`{name}`" in gallery
        assert ((ROOT / "docs" / "gallery" / name / "index.md").is_file()) == (f"gallery/{name}/index.md" in nav)


DURATION = re.compile(r"~?\d+(?:\.\d+)? ?(?:s|min|h)\b")


def test_the_docs_times_of_experiments_are_those_the_configs_state():
    """A run time in a page's comment on `experiment=NAME` is the one `genlab list experiment` gives
    (they once said ~10 and ~6 min for the same run)."""
    descriptions = collect(files("genlab.configs"))["experiment"]
    text = "\n".join(page.read_text() for page in documented_pages())
    claims = re.findall(r"genlab train experiment=(\w+)[^\n#]*#([^\n]*)", text)
    timed = [(name, DURATION.findall(comment)) for name, comment in claims if DURATION.search(comment)]
    assert timed, "no page states an experiment's time: this test checks nothing"
    for name, times in timed:
        assert all(t in descriptions[name] for t in times), (name, times, descriptions[name])
