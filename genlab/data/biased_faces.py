"""An embedded, offline biased dataset for debiasing (DB-VAE, `model=dbvae`): faces against
non-faces, where the faces hold a rare subgroup the classifier is not told about.

scikit-image's bundled LFW subset gives 100 face and 100 non-face crops (25×25, grey). Each source
image becomes 18 examples (mirrored or not, shifted by −1, 0 or 1 pixel each way), and each example
is shown in a light or a *dark* tone (intensities × `dark_gain`): the subgroup. Among the training
faces only `rare_fraction` (5 %) are dark, while the non-faces are dark half the time, so darkness
is evidence *against* a face and a plain classifier fails the dark faces — the mechanism of the
lab's skin-tone bias, with a known answer. The validation split is drawn from other source images
(the last 20 of each kind) and is balanced: half its faces are dark.

Items are `(image, class, subgroup)`: class 1 is a face; subgroup 1 is the dark tone. Models read
only the first two; the subgroup is for evaluation (accuracy per subgroup and the gap between them).
"""

import torch
from skimage.data import lfw_subset
from torch import Tensor
from torch.utils.data import Dataset

from genlab.data.base import GenlabDataModule, resize
from genlab.data.batches import TensorExamples
from genlab.errors import GenlabError

TRAIN_SOURCES = 80  # of each kind's 100 source images; the other 20 are the validation split's


def variants(images: Tensor) -> Tensor:
    """Each image mirrored or not and shifted by −1, 0 or 1 pixel in x and y (edge pixels repeated):
    18 examples per image, grouped by source image."""
    padded = torch.nn.functional.pad(images, (1, 1, 1, 1), mode="replicate")
    side = images.shape[-1]
    shifted = [padded[..., 1 + dy : 1 + dy + side, 1 + dx : 1 + dx + side] for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    both = [v for s in shifted for v in (s, s.flip(-1))]
    return torch.stack(both, dim=1).flatten(0, 1)


def toned(images: Tensor, dark_share: float, gain: float, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """(images, subgroup): a `dark_share` of them (exactly, at random positions) darkened by `gain`."""
    dark = torch.zeros(len(images), dtype=torch.bool)
    dark[torch.randperm(len(images), generator=generator)[: round(dark_share * len(images))]] = True
    return torch.where(dark[:, None, None, None], images * gain, images), dark.long()


class BiasedFacesDataModule(GenlabDataModule):
    label_names = ("class", "subgroup")

    def __init__(self, image_size: int = 24, rare_fraction: float = 0.05, dark_gain: float = 0.35, **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= rare_fraction <= 1 or not 0 < dark_gain < 1:
            raise GenlabError(
                f"dataset.rare_fraction={rare_fraction}, dataset.dark_gain={dark_gain}: the fraction of dark "
                "training faces is in [0, 1] (0.05: rare), the gain in (0, 1)"
            )
        self.image_size, self.rare_fraction, self.dark_gain = image_size, rare_fraction, dark_gain

    def split(self, faces: Tensor, others: Tensor, dark_faces: float, generator: torch.Generator) -> Dataset:
        face_x, face_group = toned(variants(faces), dark_faces, self.dark_gain, generator)
        other_x, other_group = toned(variants(others), 0.5, self.dark_gain, generator)
        x = torch.cat([face_x, other_x])
        y = torch.cat([torch.ones(len(face_x)), torch.zeros(len(other_x))]).long()
        return TensorExamples(x.contiguous(), y, torch.cat([face_group, other_group]))

    def _load(self) -> tuple[Dataset, Dataset]:
        images = resize(torch.as_tensor(lfw_subset(), dtype=torch.float32).unsqueeze(1), self.image_size)
        faces, others = images[:100], images[100:]
        generator = torch.Generator().manual_seed(self.seed)
        train = self.split(faces[:TRAIN_SOURCES], others[:TRAIN_SOURCES], self.rare_fraction, generator)
        val = self.split(faces[TRAIN_SOURCES:], others[TRAIN_SOURCES:], 0.5, generator)
        return train, val
