"""The data contract of a translator: the shapes of the target images (`${dataset.shape}`, the
batches' first item) and of the source images (`${dataset.source_shape}`, the second), checked in
one place for every translating family (pix2pix, CycleGAN, SRGAN, the context encoder), each
declaring its `Contract` (what it does, the datasets that fit it, the geometry it needs) as a
class attribute; and the shapes of the network factories those families take.

A family's YAML passes the pair as one part:

    pair:
      _target_: genlab.models.image_pair.ImagePair
      target: ${dataset.shape}
      source: ${oc.select:dataset.source_shape,null}
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from torch import nn

from genlab.errors import GenlabError

Shape = tuple[int, ...]
TranslatorFactory = Callable[[int, int, int], nn.Module]  # (source channels, target channels, side)
PatchFactory = Callable[[int, int], nn.Module]  # (input channels, side)


class Geometry(Enum):
    """What a family needs of the two sides' shapes."""

    SAME_SIDE = "the same size"  # pix2pix, CycleGAN: channels may differ (edges → colour)
    SAME_SHAPE = "the same size and channels"  # inpainting: the source is the target with a hole
    ANY = ""  # the family checks its own (super-resolution: a power-of-two scale)


@dataclass(frozen=True)
class ImagePair:
    target: Sequence[int]
    source: Sequence[int] | None


@dataclass(frozen=True)
class Contract:
    """What a translating family `does` with images ('translates images'), the datasets that
    `fit` it ('a paired image dataset (dataset=edges2digits, paired_folder)') and the `geometry`
    it needs of the two sides."""

    does: str
    fits: str
    geometry: Geometry

    def shapes(self, model: str, pair: ImagePair) -> tuple[Shape, Shape]:
        """(target, source) as whole numbers, or one line naming the datasets that fit `model`."""
        if pair.source is None:
            raise GenlabError(
                f"model={model} {self.does} and needs {self.fits}, but this dataset declares no source_shape"
            )
        target, source = tuple(int(s) for s in pair.target), tuple(int(s) for s in pair.source)
        images = len(target) == 3 and len(source) == 3
        matched = {
            Geometry.SAME_SIDE: target[1:] == source[1:],
            Geometry.SAME_SHAPE: target == source,
            Geometry.ANY: True,
        }[self.geometry]
        if not (images and matched):
            wanted = f" of {self.geometry.value}" if self.geometry.value else ""
            raise GenlabError(
                f"model={model} maps images to images{wanted}, got source {list(source)} → target "
                f"{list(target)}; use {self.fits}"
            )
        return target, source
