"""Mistakes that used to pass silently or point nowhere: a missing checkpoint names the files
that exist (and why best-fid.ckpt may not), and more CPU processes than cores is said aloud."""

import os
import warnings

import pytest
from omegaconf import OmegaConf

from genlab.checkpoint import read_checkpoint
from genlab.errors import GenlabError
from genlab.run.checks import warn_about_oversubscription


def test_a_missing_checkpoint_names_the_ones_beside_it(tmp_path):
    (tmp_path / "last.ckpt").write_bytes(b"")
    (tmp_path / "epoch001-step000050.ckpt").write_bytes(b"")
    with pytest.raises(GenlabError, match=r"best-fid\.ckpt is written only by runs trained with evaluation=") as error:
        read_checkpoint(tmp_path / "best-fid.ckpt")
    assert str(error.value).endswith(f"{tmp_path} holds epoch001-step000050.ckpt, last.ckpt")
    assert "\n" not in str(error.value)
    with pytest.raises(GenlabError, match=r"no such file; pass the path of a \.ckpt file"):
        read_checkpoint(tmp_path / "elsewhere" / "last.ckpt")


def test_more_cpu_processes_than_cores_is_a_warning(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with pytest.warns(UserWarning, match=r"trainer.devices=4 starts 4 processes on 2 CPU cores"):
        warn_about_oversubscription(OmegaConf.create({"accelerator": "cpu", "devices": 4}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning here would fail the test
        warn_about_oversubscription(OmegaConf.create({"accelerator": "cpu", "devices": 2}))
