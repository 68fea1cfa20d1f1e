"""Turns a GenlabError anywhere below into one line on stderr and exit status 2 (one line whatever
the message quotes: characters that would break it are written as escapes)."""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from genlab.errors import GenlabError, find_user_error, printable
from genlab.run.run_log import log_to_run

EXIT_USER_ERROR = 2


def one_line(error: GenlabError) -> str:
    """The error's own message. One raised in a DataLoader worker arrives in the main process
    with the worker's traceback folded into its text; its last line is the original message."""
    message = str(error)
    if "Original Traceback" in message:
        message = message.rstrip().splitlines()[-1].removeprefix(f"{type(error).__module__}.{type(error).__name__}: ")
    return printable(message)


@contextmanager
def exit_on_user_error() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        error = find_user_error(exc)
        if error is None:
            raise
        message = one_line(error)
        print(f"genlab: error: {message}", file=sys.stderr)
        log_to_run(f"genlab: error: {message}", logging.ERROR)
        sys.exit(EXIT_USER_ERROR)
