"""Label conditioning for any generator/discriminator factory (Mirza & Osindero's cGAN).

G sees [z, onehot(y)]; D sees the one-hot label appended to its input: as extra constant
channels for images, as extra coordinates for vectors. The wrapped networks are built by the
usual factories with the enlarged input, so MLP and DCGAN nets condition the same way.
"""

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _with_label(x: Tensor, y: Tensor, num_classes: int) -> Tensor:
    code = F.one_hot(y, num_classes).to(x.dtype)
    if x.dim() == 4:
        code = code[:, :, None, None].expand(-1, -1, *x.shape[2:])
    return torch.cat([x, code], dim=1)


class LabelConditioned(nn.Module):
    """`net` applied to its input with the one-hot label appended (z for G, x for D)."""

    def __init__(self, net: nn.Module, num_classes: int) -> None:
        super().__init__()
        self.net = net
        self.num_classes = num_classes

    def forward(self, inputs: Tensor, y: Tensor) -> Tensor:
        return self.net(_with_label(inputs, y, self.num_classes))


def conditional_generator(
    factory: Callable[[Sequence[int], int], nn.Module], data_shape: Sequence[int], latent_dim: int, num_classes: int
) -> LabelConditioned:
    return LabelConditioned(factory(data_shape, latent_dim + num_classes), num_classes)


def conditional_discriminator(
    factory: Callable[[Sequence[int]], nn.Module], data_shape: Sequence[int], num_classes: int
) -> LabelConditioned:
    shape = [int(s) for s in data_shape]
    shape[0] += num_classes
    return LabelConditioned(factory(shape), num_classes)
