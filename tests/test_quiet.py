"""What a run prints: genlab's alarms on one line each, and library noise dropped."""

import logging
import warnings

import numpy as np
import pytest
from PIL import Image

from genlab.run.quiet import format_warning, silence_lightning_noise
from tests.conftest import run_cli


def test_genlab_alarms_are_one_line_and_other_warnings_keep_their_origin():
    alarm = format_warning(UserWarning("genlab: optimized_metric=fid was never logged"), UserWarning, "x.py", 7, "w()")
    assert alarm == "genlab: optimized_metric=fid was never logged\n"
    other = format_warning(UserWarning("torch says"), UserWarning, "x.py", 7, "w()")
    assert other.startswith("x.py:7: UserWarning: torch says") and "w()" in other


def test_the_cuda_toolkit_line_of_a_cpu_only_compile_is_dropped_and_its_neighbours_kept(caplog):
    silence_lightning_noise()
    assert warnings.formatwarning is format_warning
    logger = logging.getLogger("torch.utils.cpp_extension")
    with caplog.at_level(logging.WARNING, logger=logger.name):
        logger.warning("No CUDA runtime is found, using CUDA_HOME='/usr/local'")
        logger.warning("Error checking compiler version")
    assert [r.getMessage() for r in caplog.records] == ["Error checking compiler version"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["model=ddpm", "dataset.image_size=16", "trainer.max_steps=4"],  # stops before its first validation
        ["dataset=image_folder", "dataset.root={folder}", "dataset.batch_size=8", "trainer.max_epochs=1"],  # 30 images
    ],
    ids=["four-steps", "thirty-images"],
)
def test_short_and_small_runs_print_no_lightning_warning(args, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(30):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    result = run_cli("train", *(a.format(folder=folder) for a in args), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    warned = [line for line in result.stderr.splitlines() if "Warning" in line or "lightning/pytorch" in line]
    assert not warned, warned
    if "trainer.max_steps=4" in args:
        assert "best         none: val/loss was never logged (no validation before the stop)" in result.stdout
