"""Turns a GenlabError anywhere below into one line on stderr and exit status 2."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from genlab.errors import find_user_error

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
        sys.exit(EXIT_USER_ERROR)
