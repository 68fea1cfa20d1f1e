"""CIFAR-10 (32×32 colour, 10 classes) via torchvision, held in memory as one tensor."""

from pathlib import Path

import torch
from torch import Tensor
from torchvision import datasets
from torchvision.datasets.utils import check_integrity

from genlab.data.base import TensorDataModule, resize
from genlab.data.errors import corrupt_file, download_failed, missing_data
from genlab.errors import GenlabError


class Cifar10DataModule(TensorDataModule):
    def __init__(self, data_dir: str, image_size: int = 32, download: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_dir = Path(data_dir)
        self.image_size = image_size
        self.download = download

    def _damaged_batch(self) -> GenlabError | None:
        """torchvision says "not found or corrupted" for both; name the file when one is there but bad."""
        folder = self.data_dir / datasets.CIFAR10.base_folder
        if not folder.is_dir():
            return None
        batches = [(folder / name, md5) for name, md5 in (*datasets.CIFAR10.train_list, *datasets.CIFAR10.test_list)]
        absent = [path.name for path, _ in batches if not path.is_file()]
        if absent:
            return missing_data("cifar10", self.data_dir, f"{', '.join(absent)} missing from {folder}", self.data_dir)
        for path, md5 in batches:
            if not check_integrity(str(path), md5):
                return corrupt_file(
                    path,
                    f"its MD5 is not the published {md5}: truncated or altered",
                    f"delete {folder} and fetch it again (genlab download cifar10 data_dir={self.data_dir.resolve()})",
                )
        return None

    def _split(self, train: bool, download: bool) -> datasets.CIFAR10:
        try:
            return datasets.CIFAR10(str(self.data_dir), train=train, download=download)
        except RuntimeError as exc:  # "Dataset not found or corrupted"
            damaged = self._damaged_batch()
            if damaged is not None:
                raise damaged from exc
            raise missing_data("cifar10", self.data_dir, "expected cifar-10-batches-py/", self.data_dir) from exc
        except Exception as exc:  # network errors during download
            raise download_failed("cifar10", self.data_dir, exc) from exc

    def prepare_data(self) -> None:
        if self.download:
            self._split(True, True)
            self._split(False, True)

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        parts = [self._split(train, False) for train in (True, False)]
        x = torch.cat([torch.as_tensor(p.data) for p in parts]).permute(0, 3, 1, 2).float() / 255.0
        y = torch.cat([torch.as_tensor(p.targets) for p in parts]).long()
        return resize(x, self.image_size), y
