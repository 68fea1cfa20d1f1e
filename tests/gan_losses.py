"""The first logged training terms of the GAN family, for checking that a refactoring of the
adversarial trainer changes no number.

`python -m tests.gan_losses` rewrites `tests/data/gan_losses.json` from the current code (re-record only when
the data order or a formula changes on purpose, and say so in the commit); `tests/test_gan_equivalence.py` compares.
"""

import json
import sys
import tempfile
from pathlib import Path

import lightning as L

from tests.conftest import fit

MODELS = ("gan", "wgan_gp", "acgan", "infogan", "bigan")
STEPS = 20  # batches recorded per model
RECORD = Path(__file__).parent / "data" / "gan_losses.json"
# In float64: in float32 the BiGAN's terms moved 1e-4 by its second step and 2e-2 by its twentieth
# between two CPUs (Adam turns a rounding-level gradient into a full step, and its first steps are
# chaotic), so a float32 record held only on the machine that took it. In float64 two thread counts
# agree to 3e-15 on every model.
SMALL = ["dataset=digits", "dataset.image_size=16", "seed=7", "trainer.max_epochs=1000", "trainer.precision=64-true"]
WIDTHS = {"dcgan": ["model.generator.width=8", "model.discriminator.width=8"]}


class TermRecorder(L.Callback):
    """The `train/*` terms after each batch: that batch's, and the latest value of a term it did
    not compute (a generator loss on a critic-only step), as Lightning's step values used to read."""

    def __init__(self) -> None:
        self.batches: list[dict[str, float]] = []
        self.latest: dict[str, float] = {}

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.latest.update({f"train/{k}": float(v) for k, v in pl_module.training_terms.last.items()})
        self.batches.append(dict(self.latest))


def overrides(model: str) -> list[str]:
    conv = model in ("wgan_gp", "acgan", "infogan")
    return [f"model={model}", *SMALL, *(WIDTHS["dcgan"] if conv else [])]


def record(model: str, output_dir: Path) -> list[dict[str, float]]:
    recorder = TermRecorder()
    fit([*overrides(model), f"trainer.max_steps={2 * STEPS}"], output_dir, extra_callbacks=[recorder])
    return recorder.batches[:STEPS]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        results = {model: record(model, Path(tmp) / model) for model in MODELS}
    RECORD.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {RECORD}", file=sys.stderr)
