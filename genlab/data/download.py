"""Fetching the real datasets into the layout genlab reads (`genlab download NAME`; needs network).

torchvision knows where each dataset lives and checks what it fetched (MD5s); genlab only names
the folders its datamodules read and turns any failure into one line that says where the files
must go instead. CelebA comes from Google Drive, which often refuses automated downloads.
"""

from collections.abc import Callable
from pathlib import Path

from genlab.data.errors import download_failed


def _mnist_like(name: str) -> Callable[[Path], None]:
    def fetch(data_dir: Path) -> None:
        from genlab.data.mnist_like import download

        download(name, data_dir)

    return fetch


def _cifar10(data_dir: Path) -> None:
    from torchvision import datasets

    for train in (True, False):
        datasets.CIFAR10(str(data_dir), train=train, download=True)


def _celeba(data_dir: Path) -> None:
    from torchvision import datasets

    # torchvision puts the aligned crops in <data_dir>/celeba/img_align_celeba, as genlab expects
    datasets.CelebA(str(data_dir), split="all", target_type="attr", download=True)


FETCHERS: dict[str, Callable[[Path], None]] = {
    "mnist": _mnist_like("mnist"),
    "fashion_mnist": _mnist_like("fashion_mnist"),
    "cifar10": _cifar10,
    "celeba": _celeba,
}


def fetch(name: str, data_dir: Path) -> None:
    """Download `name` into `data_dir` (genlab's `paths.data_dir`), or raise one GenlabError."""
    from genlab.errors import GenlabError

    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        FETCHERS[name](data_dir)
    except GenlabError:
        raise
    except Exception as exc:  # torchvision raises URLError, RuntimeError, OSError, … for a failed transfer
        raise download_failed(name, data_dir, exc) from exc
