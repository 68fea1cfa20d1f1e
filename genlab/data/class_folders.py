"""Positives against negatives from two folders of images, with subgroup labels from a CSV: the
layout of the debiasing lab (CelebA's faces as positives, any non-face images as negatives), for
`model=dbvae` and `genlab eval metrics=[subgroups]`.

    dataset=class_folders dataset.positives=DIR dataset.negatives=DIR [dataset.subgroups=FILE.csv]

Items are `(image, class, subgroup)`: class 1 for the positives' folder, 0 for the negatives'. The
CSV has a header `file,subgroup` and one row per labelled image: its file name (as in either
folder) and a whole number ≥ 0; images it does not name have subgroup −1 (unlabelled), which the
subgroup report leaves out. Without a CSV the items are `(image, class)`. One split for both
folders, at random by `val_fraction`.
"""

import csv
from pathlib import Path

import torch
from torch.utils.data import Dataset

from genlab.data.errors import missing_data
from genlab.data.image_folder import ImageFiles, ImageFolderDataModule, image_files
from genlab.errors import GenlabError

UNLABELLED = -1


def read_subgroups(path: Path, names: set[str]) -> dict[str, int]:
    """File name → subgroup, from a `file,subgroup` CSV whose names are among `names`; one line per mistake."""
    if not path.is_file():
        raise GenlabError(f"dataset.subgroups={path}: no such file; pass a CSV with the header file,subgroup")
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or [cell.strip() for cell in rows[0]] != ["file", "subgroup"]:
        raise GenlabError(f"dataset.subgroups={path}: the first line must be the header file,subgroup")
    groups = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2 or not row[1].strip().isdigit():
            raise GenlabError(f"{path} line {number}: expected <file name>,<subgroup ≥ 0>, got {','.join(row)!r}")
        name = row[0].strip()
        if name not in names:
            raise GenlabError(
                f"{path} line {number}: no image named {name!r} in dataset.positives or dataset.negatives"
            )
        groups[name] = int(row[1])
    return groups


class ClassFoldersDataModule(ImageFolderDataModule):
    def __init__(self, positives: str, negatives: str, subgroups: str | None = None, **kwargs) -> None:
        super().__init__(root=positives, **kwargs)
        self.folders = {1: Path(positives), 0: Path(negatives)}
        self.subgroups = Path(subgroups) if subgroups else None
        self.label_names = ("class", "subgroup") if self.subgroups else ("class",)

    def _load(self) -> tuple[Dataset, Dataset]:
        files, classes = [], []
        for label, folder in self.folders.items():
            found = image_files(folder)
            if not found:
                option = "dataset.positives" if label == 1 else "dataset.negatives"
                raise missing_data(self.name, folder, f"{option}: no image files")
            files += found
            classes += [label] * len(found)
        if self.bad_images != "error":
            kept = set(self._drop_or_refuse(files))
            classes = [c for f, c in zip(files, classes, strict=True) if f in kept]
            files = [f for f in files if f in kept]
        groups = read_subgroups(self.subgroups, {f.name for f in files}) if self.subgroups else {}
        labels = [
            (c, groups.get(f.name, UNLABELLED)) if self.subgroups else (c,) for f, c in zip(files, classes, strict=True)
        ]
        order = torch.randperm(len(files), generator=torch.Generator().manual_seed(self.seed)).tolist()
        n_val = max(1, round(len(files) * self.val_fraction))
        parts = (order[n_val:], order[:n_val])
        return tuple(
            ImageFiles([files[i] for i in part], self.transform, self.mode, [labels[i] for i in part]) for part in parts
        )
