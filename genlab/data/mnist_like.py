"""MNIST and Fashion-MNIST from torchvision's download or from local copies of the raw files.

Files are looked for in `<data_dir>/<Name>/raw/` (torchvision's layout) and in `<data_dir>`
itself, gzip'd or not; only when none are found and `download=true` is torchvision asked to
fetch them. Both official splits are concatenated and re-split by `val_fraction`.
"""

from pathlib import Path

import torch
from torch import Tensor
from torchvision import datasets

from genlab.data.base import TensorDataModule, resize
from genlab.data.errors import download_failed, missing_data
from genlab.data.idx import read_idx

_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_TORCHVISION = {"mnist": datasets.MNIST, "fashion_mnist": datasets.FashionMNIST}


def find_raw_files(data_dir: Path, folder: str) -> list[Path] | None:
    for directory in (data_dir / folder / "raw", data_dir):
        found = []
        for stem in _FILES:
            candidates = [directory / stem, directory / f"{stem}.gz"]
            hit = next((c for c in candidates if c.is_file()), None)
            if hit is None:
                break
            found.append(hit)
        else:
            return found
    return None


def download(name: str, data_dir: Path) -> None:
    """Fetch the official files with torchvision; any network failure becomes one clear message."""
    try:
        _TORCHVISION[name](root=str(data_dir), train=True, download=True)
        _TORCHVISION[name](root=str(data_dir), train=False, download=True)
    except Exception as exc:  # torchvision raises URLError, RuntimeError, OSError, …
        raise download_failed(name, data_dir, exc) from exc


class MnistLikeDataModule(TensorDataModule):
    def __init__(self, data_dir: str, image_size: int = 28, download: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        if self.name not in _TORCHVISION:
            raise ValueError(f"MnistLikeDataModule serves {sorted(_TORCHVISION)}, not {self.name!r}")
        self.data_dir = Path(data_dir)
        self.image_size = image_size
        self.download = download

    def prepare_data(self) -> None:
        folder = _TORCHVISION[self.name].__name__
        if find_raw_files(self.data_dir, folder) is None and self.download:
            download(self.name, self.data_dir)

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        folder = _TORCHVISION[self.name].__name__
        files = find_raw_files(self.data_dir, folder)
        if files is None:
            raise missing_data(
                self.name, self.data_dir, f"looked in {folder}/raw/ and the folder itself", self.data_dir
            )
        train_x, train_y, test_x, test_y = (read_idx(f) for f in files)
        x = torch.cat([train_x, test_x]).unsqueeze(1).float() / 255.0
        y = torch.cat([train_y, test_y]).long()
        return resize(x, self.image_size), y
