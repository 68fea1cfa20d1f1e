"""Without a GPU, an optimiser step does not load NVML (`genlab/run/cuda_probe.py` says why)."""

import os

import pytest
import torch

from genlab.run.cuda_probe import NVML_CHECK, skip_nvml_without_a_gpu
from genlab.run.train import assemble
from tests.conftest import QUIET, compose_train


def counting_nvml(monkeypatch) -> list[None]:
    """The calls of PyTorch's NVML device count from now on."""
    calls: list[None] = []
    count = torch.cuda._device_count_nvml

    def counted() -> int:
        calls.append(None)
        return count()

    monkeypatch.setattr(torch.cuda, "_device_count_nvml", counted)
    return calls


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine with a GPU keeps Lightning's check")
def test_without_a_gpu_training_steps_never_ask_nvml(monkeypatch, tmp_path):
    monkeypatch.setenv(NVML_CHECK, "1")  # as importing Lightning leaves it
    calls = counting_nvml(monkeypatch)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)]).step()
    assert len(calls) == 1, "under Lightning's setting an optimiser step asks NVML"
    run = assemble(compose_train([*QUIET, "model=vae", "dataset.image_size=16", "trainer.max_steps=3"], tmp_path))
    assert NVML_CHECK not in os.environ
    asked = len(calls)
    run.trainer.fit(run.model, datamodule=run.datamodule)
    assert run.trainer.global_step == 3
    assert len(calls) == asked


def test_a_machine_with_a_gpu_keeps_the_nvml_check(monkeypatch):
    monkeypatch.setenv(NVML_CHECK, "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    skip_nvml_without_a_gpu()
    assert os.environ[NVML_CHECK] == "1"
