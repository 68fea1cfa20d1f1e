"""`genlab download NAME [data_dir=DIR]`: a real dataset fetched into genlab's `paths.data_dir`
(default `data`, or GENLAB_DATA_DIR), so that an installed genlab needs no source checkout to get
the data its error messages ask for."""

import os
import sys
from pathlib import Path

from genlab.errors import GenlabError
from genlab.run.user_errors import exit_on_user_error

USAGE = "genlab download NAME [data_dir=DIR]"


def parse(args: list[str]) -> tuple[str, Path]:
    from genlab.data.download import FETCHERS

    names = [a for a in args if "=" not in a]
    options = dict(a.split("=", 1) for a in args if "=" in a)
    unknown = sorted(set(options) - {"data_dir"})
    if len(names) != 1 or names[0] not in FETCHERS or unknown:
        given = " ".join(args) or "nothing"
        raise GenlabError(f"{USAGE}: NAME is one of {', '.join(FETCHERS)}, the only option data_dir=; got {given}")
    return names[0], Path(options.get("data_dir") or os.environ.get("GENLAB_DATA_DIR") or "data").expanduser()


def run(args: list[str]) -> int:
    with exit_on_user_error():
        name, data_dir = parse(args)
        from genlab.data.download import fetch

        fetch(name, data_dir)
    print(f"{name} is in {data_dir.resolve()}; train with dataset={name} paths.data_dir={data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
