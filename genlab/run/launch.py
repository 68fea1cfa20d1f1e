"""Starting a Hydra app so that every mistake Hydra catches is one `genlab: error:` line.

Hydra prints its own reports of a bad command line — an unknown option followed by the list of
every option one per line and the config search path, a typo'd key over two lines and a hint —
and exits 1. With `HYDRA_FULL_ERROR=1` it raises them instead; genlab then writes each as one line
that names the value and the choices (or the nearest key), and exits 2 like every user error.
Files that cannot be written (a read-only working directory or `out=` folder) are reported the
same way, naming the path and the option that moves it.
"""

import difflib
import errno
import os
import sys
from collections.abc import Callable
from typing import Any

from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from genlab.errors import find_user_error, printable
from genlab.run import resolvers
from genlab.run.user_errors import EXIT_USER_ERROR, one_line

UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC)
# Hydra plugins that genlab's configs build on, and the extra that installs each
PLUGIN_EXTRAS = {
    "hydra/sweeper/optuna": ("Hydra's Optuna sweeper", "sweeps"),
    "hydra/launcher/joblib": ("Hydra's joblib launcher", "sweeps"),
    "hydra/launcher/submitit_local": ("Hydra's submitit launcher", "slurm"),
    "hydra/launcher/submitit_slurm": ("Hydra's submitit launcher", "slurm"),
}


def _unknown_option(exc: MissingConfigException) -> str:
    first = str(exc).splitlines()[0]  # In 'train': Could not find 'model/foo'
    missing = first.split("Could not find ")[-1].strip("'")
    group, _, option = missing.rpartition("/")
    if missing in PLUGIN_EXTRAS:
        plugin, extra = PLUGIN_EXTRAS[missing]
        return f"{group}={option} needs {plugin}, which is not installed; pip install 'genlab[{extra}]'"
    if not exc.options:
        return f"{first.split(': ', 1)[-1]}; check the spelling of the config name"
    close = difflib.get_close_matches(option, exc.options, n=1)
    hint = f"did you mean {group}={close[0]}? " if close else ""
    return f"{group}={option} is not an option of '{group}'; {hint}choose one of {', '.join(exc.options)}"


def _unknown_key(cause: ConfigKeyError | ConfigAttributeError) -> str:
    key = str(cause.full_key)
    parent = cause.parent_node
    known = [str(k) for k in parent] if isinstance(parent, DictConfig) else []
    close = difflib.get_close_matches(str(cause.key), known, n=1)
    prefix = key.rpartition(".")[0]
    hint = f"did you mean {prefix + '.' if prefix else ''}{close[0]}? " if close else ""
    return f"{key} is not a key of the config; {hint}to add a new key on purpose, write +{key}=..."


def describe(exc: BaseException) -> str:
    """One line for a Hydra or OmegaConf error about the command line or a config."""
    error = find_user_error(exc)
    if error is not None:  # genlab's own refusal from inside a resolver: its message as it is
        return one_line(error)
    if isinstance(exc, MissingConfigException):
        return _unknown_option(exc)
    if isinstance(exc.__cause__, ConfigKeyError | ConfigAttributeError) and exc.__cause__.full_key:
        return _unknown_key(exc.__cause__)
    if isinstance(exc, OverrideParseException):
        return f"cannot parse the command line: {str(exc).splitlines()[0]} (Hydra override syntax: key=value)"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    cause = exc.__cause__
    detail = f": {str(cause).strip().splitlines()[0]}" if cause is not None and str(cause).strip() else ""
    return f"{first}{detail}"


MULTIRUN_FLAGS = ("-m", "--multirun")


def run_app(app: Callable[[], Any], args: list[str]) -> int:
    """Run a `@hydra.main` app on `args`; Hydra's and the file system's refusals become one line.
    `-m`/`--multirun` goes first: Hydra's parser takes no override after it (`genlab eval … guidance=0,3
    --multirun n=500` would end in argparse's usage text)."""
    flags = [a for a in args if a in MULTIRUN_FLAGS]
    sys.argv = [sys.argv[0], *flags, *(a for a in args if a not in MULTIRUN_FLAGS)]
    os.environ["HYDRA_FULL_ERROR"] = "1"
    resolvers.register()
    try:
        app()
    except (HydraException, OmegaConfBaseException) as exc:
        print(f"genlab: error: {printable(describe(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as exc:
        if exc.errno not in UNWRITABLE:
            raise
        print(
            f"genlab: error: cannot write {exc.filename or 'a file'}: {exc.strerror}; run from a writable folder, "
            "or point the output elsewhere (GENLAB_OUTPUT_DIR=, paths.output_root=, out=)",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    return 0
