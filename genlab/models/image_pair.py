"""The data contract of a translator: the shapes of the target images (`${dataset.shape}`, the
batches' first item) and of the source images (`${dataset.source_shape}`, the second), checked in
one place for every translating family (pix2pix, CycleGAN, SRGAN, the context encoder), each
naming the datasets that fit it.

A family's YAML passes the pair as one part:

    pair:
      _target_: genlab.models.image_pair.ImagePair
      target: ${dataset.shape}
      source: ${oc.select:dataset.source_shape,null}
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from genlab.errors import GenlabError

Shape = tuple[int, ...]


class Geometry(Enum):
    """What a family needs of the two sides' shapes."""

    SAME_SIDE = "the same size"  # pix2pix, CycleGAN: channels may differ (edges → colour)
    SAME_SHAPE = "the same size and channels"  # inpainting: the source is the target with a hole
    ANY = ""  # the family checks its own (super-resolution: a power-of-two scale)


@dataclass(frozen=True)
class ImagePair:
    target: Sequence[int]
    source: Sequence[int] | None

    def shapes(self, model: str, does: str, fits: str, geometry: Geometry) -> tuple[Shape, Shape]:
        """(target, source) as whole numbers, or one line naming the datasets that `fit` the family
        (e.g. 'a paired image dataset (dataset=edges2digits, paired_folder)'); `does` is what it
        does with them ('translates images')."""
        if self.source is None:
            raise GenlabError(f"model={model} {does} and needs {fits}, but this dataset declares no source_shape")
        target, source = tuple(int(s) for s in self.target), tuple(int(s) for s in self.source)
        images = len(target) == 3 and len(source) == 3
        matched = {
            Geometry.SAME_SIDE: target[1:] == source[1:],
            Geometry.SAME_SHAPE: target == source,
            Geometry.ANY: True,
        }[geometry]
        if not (images and matched):
            wanted = f" of {geometry.value}" if geometry.value else ""
            raise GenlabError(
                f"model={model} maps images to images{wanted}, got source {list(source)} → target "
                f"{list(target)}; use {fits}"
            )
        return target, source
