"""`train.log` holds the run's own log: Lightning's lines and genlab's reports, not only Hydra's.

Hydra attaches its console and `train.log` handlers to the root logger when the job starts, but
Lightning (imported earlier) logs through `lightning.pytorch`/`lightning.fabric` loggers that
have their own console handler and, depending on the versions, propagate to the root or not:
the file stayed empty with one, and every line came twice with the other. Those loggers get
exactly the root's handlers and stop propagating, so each line reaches the console and the file
once. genlab's own reports — the end-of-run summary, errors, signals — go to the file through
the `genlab` logger, which writes nowhere else (the console has them from print()).
"""

import logging

LIBRARY_LOGGERS = ("lightning.pytorch", "lightning.fabric")
GENLAB_LOGGER = logging.getLogger("genlab")
GENLAB_LOGGER.propagate = False  # the console already got the message from print()
GENLAB_LOGGER.addHandler(logging.NullHandler())  # no "last resort" echo when no run log is attached


def attach_run_log() -> None:
    """Send the library loggers to this job's handlers (Hydra's console and log file) and genlab's
    to its log file only, each line once, and no longer to an earlier sweep job's file."""
    handlers = logging.getLogger().handlers
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = list(handlers)
        logger.propagate = False  # Hydra's logging set-up turns it on: every line came twice
    GENLAB_LOGGER.handlers = [logging.NullHandler(), *(h for h in handlers if isinstance(h, logging.FileHandler))]


def log_to_run(message: str, level: int = logging.INFO) -> None:
    GENLAB_LOGGER.log(level, message)
