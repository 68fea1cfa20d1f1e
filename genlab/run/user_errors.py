"""Turns a GenlabError anywhere below into one line on stderr and exit status 2."""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from genlab.errors import find_user_error
from genlab.run.run_log import log_to_run

EXIT_USER_ERROR = 2


@contextmanager
def exit_on_user_error() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        error = find_user_error(exc)
        if error is None:
            raise
        print(f"genlab: error: {error}", file=sys.stderr)
        log_to_run(f"genlab: error: {error}", logging.ERROR)
        sys.exit(EXIT_USER_ERROR)
