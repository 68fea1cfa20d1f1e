"""MNIST-M's recipe (Ganin & Lempitsky, 2015): each digit blended into a random patch of a colour
photo, pixel by pixel |patch − digit|, so the strokes take the photo's colours inverted and the
ground its texture. The digits keep their labels; the domain is what changes.

`BlendedIntoPhotos` applies it to any grey labelled dataset (`dataset.digits`, a nested dataset
config) with the photos of a folder (`dataset.photos=DIR`; the paper used BSDS500's) or, with
`photos: null`, the colour photos that ship with scikit-image:

- `dataset=digits_m`: the embedded digits, bundled photos (offline; DANN's default target);
- `dataset=mnist_m dataset.photos=DIR`: real MNIST-M, built when the run loads its data.
"""

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from genlab.data.base import TensorDataModule
from genlab.errors import GenlabError

BUNDLED_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")  # scikit-image's colour photographs


def bundled_photos() -> list[Tensor]:
    """scikit-image's colour photos as (3, H, W) tensors in [0, 1]."""
    import skimage.data

    return [as_tensor(getattr(skimage.data, name)()) for name in BUNDLED_PHOTOS]


def folder_photos(folder: Path, side: int) -> list[Tensor]:
    """Every image of `folder` (searched recursively) at least `side` px each way, in RGB."""
    from genlab.data.image_folder import decode_image, image_files

    files = image_files(folder)
    photos = [as_tensor(np.asarray(decode_image(path, "RGB"))) for path in files]
    photos = [p for p in photos if min(p.shape[1:]) >= side]
    if not photos:
        raise GenlabError(
            f"dataset.photos={folder} holds no image of {side}×{side} px or more ({len(files)} image files); "
            "point it at a folder of colour photos (MNIST-M used BSDS500's) or set dataset.photos=null"
        )
    return photos


def as_tensor(image: np.ndarray) -> Tensor:
    """An (H, W, 3+) uint8 array as a (3, H, W) float tensor in [0, 1]."""
    return torch.from_numpy(np.array(image[..., :3])).permute(2, 0, 1).float() / 255  # a copy: PIL arrays are read-only


def blend_into_photos(digits: Tensor, photos: list[Tensor], seed: int) -> Tensor:
    """|patch − digit| for each digit (N, 1, S, S) in [0, 1], the patch an S×S crop of a random
    photo at a random place, drawn from `seed`: (N, 3, S, S)."""
    generator = torch.Generator().manual_seed(seed)
    side = digits.shape[-1]
    which = torch.randint(len(photos), (len(digits),), generator=generator)
    patches = []
    for index in which.tolist():
        photo = photos[index]
        top = int(torch.randint(photo.shape[1] - side + 1, (), generator=generator))
        left = int(torch.randint(photo.shape[2] - side + 1, (), generator=generator))
        patches.append(photo[:, top : top + side, left : left + side])
    return (torch.stack(patches) - digits).abs()


class BlendedIntoPhotos(TensorDataModule):
    def __init__(
        self, digits: TensorDataModule, photos: str | None = None, blend_seed: int = 0, image_size: int = 32, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.image_size = image_size
        if digits.shape[0] != 1:
            raise GenlabError(
                f"dataset.digits={digits.name} has {digits.shape[0]} channels; MNIST-M blends grey digits"
            )
        self.digits, self.blend_seed = digits, blend_seed
        self.photos = None if photos is None else Path(photos).expanduser()

    def prepare_data(self) -> None:
        self.digits.prepare_data()

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        digits, labels = self.digits.load_tensors()
        side = digits.shape[-1]
        photos = bundled_photos() if self.photos is None else folder_photos(self.photos, side)
        return blend_into_photos(digits, photos, self.blend_seed), labels
