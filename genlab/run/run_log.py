"""`train.log` holds the run's own log: Lightning's lines and genlab's reports, not only Hydra's.

Hydra attaches its `train.log` file handler to the root logger when the job starts, but Lightning
(imported earlier) logs through `lightning.pytorch`/`lightning.fabric` loggers that print to the
console and do not propagate, so the file stayed empty. The file handlers are added to those
loggers too (their console output is unchanged), and genlab's own reports — the end-of-run
summary, errors, signals — go to the file through the `genlab` logger, which writes nowhere else.
"""

import logging

LIBRARY_LOGGERS = ("lightning.pytorch", "lightning.fabric")
GENLAB_LOGGER = logging.getLogger("genlab")
GENLAB_LOGGER.propagate = False  # the console already got the message from print()
GENLAB_LOGGER.addHandler(logging.NullHandler())  # no "last resort" echo when no run log is attached


def attach_run_log() -> None:
    """Send the library and genlab loggers into this job's log files (Hydra's FileHandlers), and
    no longer into an earlier sweep job's."""
    files = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    for name in (*LIBRARY_LOGGERS, GENLAB_LOGGER.name):
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if isinstance(h, logging.FileHandler)]:
            logger.removeHandler(handler)
        for handler in files:
            logger.addHandler(handler)


def log_to_run(message: str, level: int = logging.INFO) -> None:
    GENLAB_LOGGER.log(level, message)
