"""Image-to-image datasets in their public layouts, read from the user's disk (genlab does not
download them; where they come from and how they are laid out is in the README):

- `PairedFolder`: pix2pix's layout — `root/train/` and `root/val/` (or `root/test/`), each file one
  pair, A on the left half and B on the right, each half square (facades, maps, cityscapes,
  edges2shoes: 2:1 images). `direction=AtoB` translates the left half into the right, `BtoA` the
  right into the left.
- `UnpairedFolder`: CycleGAN's layout — `root/trainA/`, `root/trainB/`, `root/testA/`,
  `root/testB/` (horse2zebra, monet2photo, …). Each A image meets one B image in an item, paired
  at random once by the seed; the losses never compare the two.

Both validate the layout before training and name the folder that is missing; an image that
cannot be decoded, or a "pair" that is not two squares side by side, stops the run with one line
naming the file. Items are `(target, source)`, decoded per example by the DataLoader workers;
augmentation (`hflip`, `load_size`) is `TranslationData`'s, on the device.
"""

from pathlib import Path

import torch
from PIL import Image
from torch import Tensor
from torch.utils.data import Dataset
from torchvision.transforms import v2

from genlab.data.errors import corrupt_file, missing_data
from genlab.data.image_folder import decode_image, image_files
from genlab.data.translation import TranslationData
from genlab.errors import GenlabError

DIRECTIONS = ("AtoB", "BtoA")
MODES = {1: "L", 3: "RGB"}


def _mode(channels: int, option: str) -> str:
    if channels not in MODES:
        raise GenlabError(f"{option}={channels}: image folders hold grey (1) or RGB (3) images")
    return MODES[channels]


def _open(path: Path) -> Image.Image:
    try:
        return decode_image(path, "RGB")
    except (OSError, SyntaxError, ValueError) as exc:  # PIL's ways of saying "not a valid image"
        raise corrupt_file(path, f"cannot be decoded: {exc}", "remove or replace it") from None


class Side:
    """How one side of an item is made: its colour mode and side length."""

    def __init__(self, channels: int, size: int, option: str) -> None:
        self.mode, self.size = _mode(channels, option), int(size)
        resize = v2.Resize((self.size, self.size), antialias=True)
        self.steps = v2.Compose([v2.PILToTensor(), resize, v2.ToDtype(torch.float32, True)])

    def __call__(self, image: Image.Image) -> Tensor:
        return self.steps(image.convert(self.mode))


class PairFiles(Dataset):
    """Files of A|B pairs → (target, source)."""

    def __init__(self, files: list[Path], a_to_b: bool, target: Side, source: Side) -> None:
        self.files, self.a_to_b, self.target, self.source = files, a_to_b, target, source

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        path = self.files[index]
        image = _open(path)
        width, height = image.size
        if width != 2 * height:
            raise corrupt_file(
                path,
                f"is {width}×{height}, not a pair: pix2pix's layout puts A and B side by side, two squares "
                f"({2 * height}×{height})",
                "remove it, or use dataset=unpaired_folder for images that are not pairs",
            )
        a, b = image.crop((0, 0, height, height)), image.crop((height, 0, width, height))
        source, target = (a, b) if self.a_to_b else (b, a)
        return self.target(target), self.source(source)


class DomainFiles(Dataset):
    """Two folders of unrelated images → (target, source): len = the larger folder's count."""

    def __init__(self, sources: list[Path], targets: list[Path], target: Side, source: Side, seed: int) -> None:
        self.sources, self.targets, self.target, self.source = sources, targets, target, source
        n = max(len(sources), len(targets))
        self.partner = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()

    def __len__(self) -> int:
        return len(self.partner)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        source = self.sources[index % len(self.sources)]
        target = self.targets[self.partner[index] % len(self.targets)]
        return self.target(_open(target)), self.source(_open(source))


class FolderData(TranslationData):
    """A root folder, a direction, and the two sides' channels and sizes."""

    layout: str  # how the layout is described in errors

    def __init__(
        self, root: str, direction: str = "AtoB", source_channels: int = 3, source_size: int | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        if direction not in DIRECTIONS:
            raise GenlabError(f"dataset.direction={direction!r}: use AtoB or BtoA")
        self.root, self.a_to_b = Path(root).expanduser(), direction == "AtoB"
        self.target_side = Side(self.channels or self.shape[0], self.image_size, "dataset.channels")
        self.source_side = Side(source_channels, source_size or self.image_size, "dataset.source_channels")

    def folder(self, *names: str) -> list[Path]:
        """The images of the first of `names` under the root that holds any; refused, naming the
        first, when none does."""
        if not self.root.is_dir():
            raise missing_data(self.name, self.root, "no such folder")
        for name in names:
            files = image_files(self.root / name)
            if files:
                return files
        raise GenlabError(
            f"dataset.root={self.root} has no {names[0]}/ folder of images; {self.layout} "
            "(see the README's translation datasets)"
        )


class PairedFolder(FolderData):
    layout = "pix2pix's layout is train/ and val/ (or test/) of A|B pairs side by side"

    def _load(self) -> tuple[Dataset, Dataset]:
        train, val = self.folder("train"), self.folder("val", "test")
        return tuple(PairFiles(files, self.a_to_b, self.target_side, self.source_side) for files in (train, val))


class UnpairedFolder(FolderData):
    layout = "CycleGAN's layout is trainA/, trainB/, testA/ and testB/"
    paired = False

    def _load(self) -> tuple[Dataset, Dataset]:
        folders = {name: self.folder(name) for name in ("trainA", "trainB", "testA", "testB")}
        splits = []
        for split in ("train", "test"):
            a, b = folders[f"{split}A"], folders[f"{split}B"]
            sources, targets = (a, b) if self.a_to_b else (b, a)
            splits.append(DomainFiles(sources, targets, self.target_side, self.source_side, self.seed))
        return splits[0], splits[1]
