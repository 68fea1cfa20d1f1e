"""What a run prints: genlab's alarms on one line each, and library noise dropped."""

import logging
import warnings

from genlab.run.quiet import format_warning, silence_lightning_noise


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
