"""Procedural dSprites-like images with known generative factors, for disentanglement.

Every combination of (shape, scale, rotation, x, y) is rendered once, vectorised over all
examples; the label of each image is its row of factor indices, so traversals and linear probes
can be checked against the truth.
"""

import math

import torch
from torch import Tensor

from genlab.data.base import TensorDataModule

SHAPES = ("square", "ellipse", "triangle")
FACTORS = ("shape", "scale", "rotation", "x", "y")


def _inside(kind: Tensor, ru: Tensor, rv: Tensor, s: Tensor) -> Tensor:
    square = torch.maximum(ru.abs(), rv.abs()) <= s
    ellipse = (ru / s) ** 2 + (rv / (0.5 * s)) ** 2 <= 1.0
    triangle = (rv <= 0.5 * s) & (rv >= -s + math.sqrt(3.0) * ru.abs())
    return torch.where(kind == 0, square, torch.where(kind == 1, ellipse, triangle))


def render_shapes(image_size: int, n_scales: int, n_rotations: int, n_positions: int) -> tuple[Tensor, Tensor]:
    """All factor combinations → (images N×1×S×S in {0,1}, factor indices N×5)."""
    grids = torch.meshgrid(
        torch.arange(len(SHAPES)),
        torch.arange(n_scales),
        torch.arange(n_rotations),
        torch.arange(n_positions),
        torch.arange(n_positions),
        indexing="ij",
    )
    factors = torch.stack([g.flatten() for g in grids], dim=1)
    scale = torch.linspace(0.08, 0.18, n_scales)[factors[:, 1]]
    angle = (2 * math.pi / n_rotations) * factors[:, 2].float()
    pos = torch.linspace(0.25, 0.75, n_positions)
    cx, cy = pos[factors[:, 3]], pos[factors[:, 4]]

    coords = (torch.arange(image_size) + 0.5) / image_size
    v, u = torch.meshgrid(coords, coords, indexing="ij")
    images = []
    for chunk in torch.split(torch.arange(len(factors)), 2048):
        du = u[None] - cx[chunk, None, None]
        dv = v[None] - cy[chunk, None, None]
        cos, sin = angle[chunk].cos()[:, None, None], angle[chunk].sin()[:, None, None]
        ru, rv = cos * du + sin * dv, -sin * du + cos * dv
        kind = factors[chunk, 0][:, None, None]
        images.append(_inside(kind, ru, rv, scale[chunk, None, None]).float())
    return torch.cat(images).unsqueeze(1), factors


class ShapesDataModule(TensorDataModule):
    label_names = FACTORS

    def __init__(
        self, image_size: int = 32, n_scales: int = 4, n_rotations: int = 8, n_positions: int = 8, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.image_size = image_size
        self.n_scales = n_scales
        self.n_rotations = n_rotations
        self.n_positions = n_positions

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        return render_shapes(self.image_size, self.n_scales, self.n_rotations, self.n_positions)
