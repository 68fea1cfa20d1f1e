"""Any folder of images (and CelebA's aligned crops), decoded from disk by worker processes.

Datasets this size do not fit in memory as tensors, so images are decoded per example in the
DataLoader workers; CelebA uses its official `list_eval_partition.txt` split when present and
says so when it falls back to a random split.

A file that cannot be decoded is handled as `bad_images` says: `error` (default) stops the run
with one line naming the file when a worker meets it; `check` decodes every file before training
and refuses the folder, naming the bad ones; `skip` decodes every file before training and
leaves the bad ones out with one counted warning. (The checks decode each image fully, which
on CelebA's 200k files takes minutes; hence not the default.)
"""

import sys
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.transforms import v2

from genlab.data.base import GenlabDataModule
from genlab.data.errors import corrupt_file, missing_data
from genlab.errors import GenlabError

EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
FIX = "remove or replace it, or pass dataset.bad_images=skip to leave such files out"


def decode_image(path: Path, mode: str) -> Image.Image:
    """The fully decoded image (PIL decodes lazily; a truncated JPEG fails only at `load`)."""
    with Image.open(path) as image:
        image.load()
        return image.convert(mode)


def image_files(folder: Path, recursive: bool = True) -> list[Path]:
    """The image files under `folder`, sorted (none if it is not a folder)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in (folder.rglob("*") if recursive else folder.iterdir()) if p.suffix.lower() in EXTENSIONS)


class ImageFiles(Dataset):
    """The images of `files`, each with its row of `labels` (default: the single label 0)."""

    def __init__(
        self, files: list[Path], transform: v2.Compose, mode: str, labels: list[tuple[int, ...]] | None = None
    ) -> None:
        self.files = files
        self.transform = transform
        self.mode = mode
        self.labels = labels

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        try:
            image = decode_image(self.files[index], self.mode)
        except (OSError, SyntaxError, ValueError) as exc:  # PIL's ways of saying "not a valid image"
            raise corrupt_file(self.files[index], f"cannot be decoded: {exc}", FIX) from None
        labels = self.labels[index] if self.labels is not None else (0,)
        return self.transform(image), *(torch.tensor(label) for label in labels)


def undecodable(files: list[Path], mode: str) -> list[Path]:
    bad = []
    for path in files:
        try:
            decode_image(path, mode)
        except (OSError, SyntaxError, ValueError):
            bad.append(path)
    return bad


def _official_split(partition: Path, files: list[Path]) -> tuple[list[Path], list[Path]] | None:
    if not partition.is_file():
        print(
            f"genlab: warning: {partition} not found; splitting at random by dataset.val_fraction instead of "
            "the official partition (numbers will not compare with papers')",
            file=sys.stderr,
        )
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
        partition: str | None = None,
        bad_images: str = "error",
        **kwargs,
    ) -> None:
        """`fetch_dir`: where `genlab download` would put this dataset (None: a user folder).
        `partition`: a file of `<image name> <0 train|1 val|2 test>` lines (CelebA's official split)."""
        super().__init__(**kwargs)
        self.root = Path(root)
        self.fetch_dir = Path(fetch_dir) if fetch_dir else None
        self.partition = Path(partition) if partition else None
        self.bad_images = bad_images
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
        files = image_files(self.root)
        if not files:
            raise missing_data(self.name, self.root, "no image files", self.fetch_dir)
        if self.bad_images != "error":
            files = self._drop_or_refuse(files)
        split = _official_split(self.partition, files) if self.partition else None
        if split is None:
            order = torch.randperm(len(files), generator=torch.Generator().manual_seed(self.seed)).tolist()
            n_val = max(1, round(len(files) * self.val_fraction))
            split = ([files[i] for i in order[n_val:]], [files[i] for i in order[:n_val]])
        return tuple(ImageFiles(part, self.transform, self.mode) for part in split)

    def _drop_or_refuse(self, files: list[Path]) -> list[Path]:
        bad = undecodable(files, self.mode)
        if not bad:
            return files
        names = ", ".join(str(p) for p in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        if self.bad_images == "check":
            raise GenlabError(
                f"{len(bad)} of {len(files)} images in {self.root} cannot be decoded: {names}; {FIX.split(', or')[0]}, "
                "or pass dataset.bad_images=skip"
            )
        print(
            f"genlab: warning: skipping {len(bad)} of {len(files)} images that cannot be decoded: {names}",
            file=sys.stderr,
        )
        kept = set(files) - set(bad)
        return [p for p in files if p in kept]
