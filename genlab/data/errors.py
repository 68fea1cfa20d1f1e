"""The messages every dataset gives when its files are absent, cannot be downloaded, or are corrupt."""

from pathlib import Path

from genlab.errors import GenlabError


def missing_data(name: str, where: Path, detail: str = "", fetch_dir: Path | None = None) -> GenlabError:
    """`fetch_dir` is the `data_dir=` of `genlab download`; None for user folders."""
    hint = f" ({detail})" if detail else ""
    if fetch_dir is None:
        fix = "point dataset.root at a folder of images"
    else:
        fix = (
            f"fetch it with `genlab download {name} data_dir={fetch_dir.resolve()}`, "
            "copy the official files there, or set dataset.download=true"
        )
    return GenlabError(f"dataset '{name}' not found under {where.resolve()}{hint}; {fix}")


def download_failed(name: str, data_dir: Path, exc: BaseException) -> GenlabError:
    """A download that failed (offline, a refused or partial transfer): where the files must go
    instead, not the download command again."""
    return GenlabError(
        f"dataset '{name}' could not be downloaded into {data_dir.resolve()} ({type(exc).__name__}: no network, "
        f"or the server refused); run `genlab download {name}` on a machine with network and copy its data folder "
        f"to {data_dir.resolve()}, or put the official files there yourself"
    )


def corrupt_file(path: Path, detail: str, fix: str | None = None) -> GenlabError:
    """One line naming the damaged file, what is wrong with it and what to do."""
    return GenlabError(
        f"dataset file {path} is corrupt ({detail}); {fix or 'replace it with an intact copy of the official file'}"
    )
