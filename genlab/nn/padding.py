"""Images whose side the strides do not divide (MNIST's native 28×28 in a network that halves
the side three times): the network is built for the next side they do divide, images going in
are zero-padded to it and images coming out are cropped back, centred.

Padding is the same for real and generated images, so discriminators and encoders see no
difference between them that the data does not have; a generator's or decoder's border pixels
outside the crop are simply not part of any output, so no loss reaches them.
"""

import math
from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError


def square_side(data_shape: Sequence[int], network: str) -> int:
    """The side of square image data, or a one-line refusal naming `network` (toy2d points, or
    images that are not square)."""
    if len(data_shape) != 3 or data_shape[1] != data_shape[2]:
        raise GenlabError(
            f"{network} is for square images, got data shape {list(data_shape)}; use an image dataset, not toy2d "
            "points, and set dataset.image_size"
        )
    return int(data_shape[1])


def fitted_side(side: int, factor: int) -> int:
    """The smallest side ≥ `side` that `factor` divides."""
    return math.ceil(side / factor) * factor


def margins(side: int, built: int) -> tuple[int, int]:
    """(before, after) pixels between a `side` image and the `built` one it sits in, centred."""
    before = (built - side) // 2
    return before, built - side - before


def pad_image(x: Tensor, built: int) -> Tensor:
    top, bottom = margins(x.shape[-2], built)
    left, right = margins(x.shape[-1], built)
    return F.pad(x, (left, right, top, bottom))


def crop_image(x: Tensor, side: int) -> Tensor:
    top, _ = margins(side, x.shape[-2])
    left, _ = margins(side, x.shape[-1])
    return x[..., top : top + side, left : left + side]


class PadInput(nn.Module):
    """`net` reading images of `built` side from images of a smaller one (extra arguments pass)."""

    def __init__(self, net: nn.Module, built: int) -> None:
        super().__init__()
        self.net, self.built = net, built

    def forward(self, x: Tensor, *rest) -> Tensor:
        return self.net(pad_image(x, self.built), *rest)


class CropOutput(nn.Module):
    """`net` producing images of `built` side, cropped to `side`."""

    def __init__(self, net: nn.Module, side: int) -> None:
        super().__init__()
        self.net, self.side = net, side

    def forward(self, *args) -> Tensor:
        return crop_image(self.net(*args), self.side)


def reading(net: nn.Module, side: int, built: int) -> nn.Module:
    """`net` built for `built`-side inputs, taking `side`-side ones (unchanged when they agree)."""
    return net if side == built else PadInput(net, built)


def writing(net: nn.Module, side: int, built: int) -> nn.Module:
    """`net` producing `built`-side outputs, delivering `side`-side ones (unchanged when they agree)."""
    return net if side == built else CropOutput(net, side)
