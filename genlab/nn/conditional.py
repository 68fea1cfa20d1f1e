"""Discriminators that judge an input together with a code vector.

cGAN's D sees (x, onehot(y)) (Mirza & Osindero); BiGAN's D sees (x, z) pairs (Donahue et al.).
Both append the code to the input: as constant extra channels for images, as extra coordinates
for vectors, so any discriminator factory (MLP, DCGAN) is reused with a wider input. Generators
need no wrapper: their code is simply concatenated to z by the model.
"""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn


def append_code(x: Tensor, code: Tensor) -> Tensor:
    code = code.to(x.dtype)
    if x.dim() == 4:
        code = code[:, :, None, None].expand(-1, -1, *x.shape[2:])
    return torch.cat([x, code], dim=1)


class CodeConditioned(nn.Module):
    """`net` applied to its input with a code vector appended."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, inputs: Tensor, code: Tensor) -> Tensor:
        return self.net(append_code(inputs, code))


def code_conditioned_discriminator(
    factory: Callable[..., nn.Module], data_shape: Sequence[int], code_dim: int, **kwargs
) -> CodeConditioned:
    shape = [int(s) for s in data_shape]
    shape[0] += code_dim
    return CodeConditioned(factory(shape, **kwargs))
