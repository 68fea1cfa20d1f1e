"""Library lines that tell a genlab user nothing they can act on, kept off the console and out
of `train.log`: Lightning's cloud-logger advertisement printed on every run, a deprecation inside
Lightning's own code (`LeafSpec`, raised by its pytree helper on recent torch), and torch's
"No CUDA runtime is found" that `compile=true` prints on every CPU-only machine (the CUDA build
looking for a toolkit it does not need there). Two of Lightning's warnings on short and small runs
go too: "ModelCheckpoint(monitor=…) could not find the monitored key" (a run stopped by
`trainer.max_steps` before its first validation; genlab's end-of-run summary says in its own
words which monitored checkpoint was never written, and why) and "The number of training batches
(3) is smaller than the logging interval" (a small folder: the epoch's numbers are logged
anyway, and the step's at every tenth step across epochs). Only these exact messages are
dropped; every other line and warning passes as before. genlab's own alarms (warnings whose text starts with
"genlab:") print as that one line, without Python's file:line prefix and source-line echo.
"""

import logging
import warnings

# logger name → the start of the messages dropped from it
DROPPED = {
    "lightning.pytorch.utilities.rank_zero": ("💡 Tip:",),  # where rank_zero_info logs
    "torch.utils.cpp_extension": ("No CUDA runtime is found",),
}
LIBRARY_DEPRECATIONS = (r"`isinstance\(treespec, LeafSpec\)` is deprecated",)
SHORT_RUN_NOTICES = (
    r"`ModelCheckpoint\(monitor=.*\)` could not find the monitored key",
    r"The number of training batches \(\d+\) is smaller than the logging interval",
)


class DropNoise(logging.Filter):
    def __init__(self, starts: tuple[str, ...]) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.starts)


PYTHON_FORMAT = warnings.formatwarning


def format_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    """Python's warning format, except genlab's own alarms: their text alone, on one line."""
    text = str(message)
    if text.startswith("genlab:"):
        return f"{text}\n"
    return PYTHON_FORMAT(message, category, filename, lineno, line)


def silence_lightning_noise() -> None:
    """Idempotent: the filter is attached once per logger, the warning filters are de-duplicated."""
    for name, starts in DROPPED.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropNoise) for f in logger.filters):
            logger.addFilter(DropNoise(starts))
    for message in (*LIBRARY_DEPRECATIONS, *SHORT_RUN_NOTICES):
        warnings.filterwarnings("ignore", message=message)
    warnings.formatwarning = format_warning
