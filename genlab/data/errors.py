"""The messages every dataset gives when its files are absent, cannot be downloaded, or are corrupt."""

from pathlib import Path

from genlab.errors import GenlabError


def missing_data(name: str, where: Path, detail: str = "", fetch_dir: Path | None = None) -> GenlabError:
    """`fetch_dir` is the `--data-dir` for scripts/download_data.py; None for user folders."""
    hint = f" ({detail})" if detail else ""
    if fetch_dir is None:
        fix = "point dataset.root at a folder of images"
    else:
        fix = (
            f"fetch it with `python scripts/download_data.py {name} --data-dir {fetch_dir.resolve()}` on a "
            "machine with network, copy the official files there, or set dataset.download=true"
        )
    return GenlabError(f"dataset '{name}' not found under {where.resolve()}{hint}; {fix}")


def corrupt_file(path: Path, detail: str, fix: str | None = None) -> GenlabError:
    """One line naming the damaged file, what is wrong with it and what to do."""
    return GenlabError(
        f"dataset file {path} is corrupt ({detail}); {fix or 'replace it with an intact copy of the official file'}"
    )
