"""DESIGN principle 1, proved from outside: a family written as one module and one YAML in a
user's own folders (no file of genlab touched, no registry) trains, samples and is scored
through the capabilities it declares. Its checkpoints name a target genlab does not ship, so
reading them back takes `trust_config=true`."""

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_cli, run_dirs

MODULE = '''
"""Independent pixels: each pixel a Bernoulli variable with a learned mean."""

import torch
import torch.nn.functional as F
from torch import nn

from genlab.models.base import GenerativeModule
from genlab.models.capabilities import Samples


class IndependentPixels(GenerativeModule, Samples):
    def __init__(self, name, data_shape, optimizer=None):
        super().__init__(name, data_shape, optimizer)
        self.logits = nn.Parameter(torch.zeros(self.data_shape))

    def _loss(self, x):
        return F.binary_cross_entropy_with_logits(self.logits.expand_as(x), x)

    def training_step(self, batch, batch_idx):
        loss = self._loss(batch[0])
        self.log_terms("train", {"loss": loss})
        return loss

    def validation_step(self, batch, batch_idx):
        self.log_terms("val", {"loss": self._loss(batch[0])})

    def sample(self, n, generator=None):
        probs = torch.sigmoid(self.logits.detach()).cpu().expand(n, *self.data_shape)
        return torch.bernoulli(probs, generator=generator).to(self.device)
'''

CONFIG = """
# desc: independent Bernoulli pixels (a family added from outside genlab)
_target_: toy_pixels.IndependentPixels
name: pixels
data_shape: ${dataset.shape}
optimizer: ${optimizer}
"""


@pytest.mark.slow
def test_a_family_added_from_a_users_folders_trains_samples_and_is_scored(tmp_path, classifier_ckpt):
    plugin, configs = tmp_path / "plugin", tmp_path / "my_configs" / "model"
    plugin.mkdir()
    configs.mkdir(parents=True)
    (plugin / "toy_pixels.py").write_text(textwrap.dedent(MODULE))
    (configs / "pixels.yaml").write_text(CONFIG.lstrip())
    env = {"PYTHONPATH": str(plugin)}
    common = {"cwd": tmp_path, "extra_env": env}

    trained = run_cli(
        "train",
        "--config-dir",
        str(tmp_path / "my_configs"),
        "model=pixels",
        "dataset.image_size=16",
        "trainer.max_epochs=3",
        "logger=none",
        output_root=tmp_path / "outputs",
        **common,
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    (run,) = run_dirs(tmp_path / "outputs")
    assert list((run / "images" / "samples").glob("step_*.png")), "the sample grid callback found Samples"
    ckpt = run / "checkpoints" / "last.ckpt"

    refused = run_cli("sample", f"ckpt={ckpt}", "n=10", **common)
    assert refused.returncode == 2 and "toy_pixels.IndependentPixels' is not one of genlab's own" in refused.stderr
    sampled = run_cli("sample", f"ckpt={ckpt}", "n=10", "trust_config=true", **common)
    assert sampled.returncode == 0, sampled.stderr[-3000:]
    assert Path(sampled.stdout.strip().splitlines()[-1]).is_file()

    scored = run_cli(
        "eval",
        f"ckpt={ckpt}",
        f"classifier={classifier_ckpt}",
        "metrics=[fid]",
        "n=200",
        "trust_config=true",
        f"cache_dir={tmp_path / 'cache'}",
        **common,
    )
    assert scored.returncode == 0, scored.stderr[-3000:]
    (record,) = json.loads((run / "metrics" / "eval_last.json").read_text())["records"]
    assert record["name"] == "fid[digits-classifier]" and record["value"] > 0
    assert record["protocol"]["generator"] == "model"
