"""The README quotes measured figures from their records, not from memory: the DCGAN scoring
section's numbers are `scripts/reproduce_readme_scores.py`'s record, and a re-record that the
README does not follow fails here."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quoted(record: dict) -> list[str]:
    """The record's numbers as the README writes them."""
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


def test_the_readme_quotes_the_recorded_dcgan_scores():
    record = json.loads((ROOT / "docs" / "figures" / "readme_scores.json").read_text())
    readme = (ROOT / "README.md").read_text()
    missing = [text for text in quoted(record) if text not in readme]
    assert not missing, f"README does not quote docs/figures/readme_scores.json: {missing}"
