"""Any folder of images (and CelebA's aligned crops), decoded from disk by worker processes.

Datasets this size do not fit in memory as tensors, so images are decoded per example in the
DataLoader workers; CelebA uses its official `list_eval_partition.txt` split when present.
"""

from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.transforms import v2

from genlab.data.base import GenlabDataModule
from genlab.data.errors import missing_data

EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


class ImageFiles(Dataset):
    def __init__(self, files: list[Path], transform: v2.Compose, mode: str) -> None:
        self.files = files
        self.transform = transform
        self.mode = mode

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        with Image.open(self.files[index]) as image:
            return self.transform(image.convert(self.mode)), 0


def _official_split(root: Path, files: list[Path]) -> tuple[list[Path], list[Path]] | None:
    partition = root.parent / "list_eval_partition.txt"
    if not partition.is_file():
        return None
    split = dict(line.split() for line in partition.read_text().splitlines() if line.strip())
    train = [f for f in files if split.get(f.name) == "0"]
    val = [f for f in files if split.get(f.name) == "1"]
    return (train, val) if train and val else None


class ImageFolderDataModule(GenlabDataModule):
    def __init__(
        self,
        root: str,
        image_size: int = 64,
        center_crop: int | None = None,
        fetch_dir: str | None = None,
        **kwargs,
    ) -> None:
        """`fetch_dir`: where scripts/download_data.py would put this dataset (None: a user folder)."""
        super().__init__(**kwargs)
        self.root = Path(root)
        self.fetch_dir = Path(fetch_dir) if fetch_dir else None
        steps = [v2.PILToTensor()]
        if center_crop:
            steps.append(v2.CenterCrop(center_crop))
        steps += [
            v2.Resize(image_size, antialias=True),
            v2.CenterCrop(image_size),
            v2.ToDtype(torch.float32, scale=True),
        ]
        self.transform = v2.Compose(steps)
        self.mode = "L" if self.channels == 1 else "RGB"

    def _load(self) -> tuple[Dataset, Dataset]:
        files = sorted(p for p in self.root.rglob("*") if p.suffix.lower() in EXTENSIONS) if self.root.is_dir() else []
        if not files:
            raise missing_data(self.name, self.root, "no image files", self.fetch_dir)
        split = _official_split(self.root, files)
        if split is None:
            order = torch.randperm(len(files), generator=torch.Generator().manual_seed(self.seed)).tolist()
            n_val = max(1, round(len(files) * self.val_fraction))
            split = ([files[i] for i in order[n_val:]], [files[i] for i in order[:n_val]])
        return tuple(ImageFiles(part, self.transform, self.mode) for part in split)
