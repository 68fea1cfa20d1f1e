"""Input corruptions: the model sees corrupt x̃, the target stays x (denoising autoencoders; the
face swap's warped faces)."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from genlab.errors import GenlabError


@dataclass(frozen=True)
class MaskingNoise:
    """Sets a random fraction μ of the input values to 0 (Vincent et al.'s masking noise)."""

    fraction: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction < 1.0:
            raise ValueError(f"masking fraction must be in [0, 1), got {self.fraction}")

    def __call__(self, x: Tensor) -> Tensor:
        keep = torch.rand_like(x) >= self.fraction
        return x * keep


@dataclass(frozen=True)
class GaussianNoise:
    """Adds N(0, σ²) noise, clipped back to the data range [0, 1]."""

    sigma: float = 0.2

    def __call__(self, x: Tensor) -> Tensor:
        return (x + self.sigma * torch.randn_like(x)).clamp(0.0, 1.0)


@dataclass(frozen=True)
class RandomWarp:
    """The Deepfakes autoencoder's input distortion: a random affine map (rotation up to
    ±`rotation` degrees, shift up to ±`shift` of the side, a horizontal flip with probability
    `flip`), then a smooth random warp: a `grid`×`grid` lattice of control points each moved by
    N(0, σ²) with σ = `sigma` of the side (5 px at 64 px ≈ 0.078), interpolated bicubically to
    every pixel. The images keep their size; each image draws its own transform. A decoder
    trained to undo it must rebuild a face from what the encoder keeps, not copy pixels, which is
    what lets another identity's decoder take over."""

    rotation: float = 10.0
    shift: float = 0.05
    flip: float = 0.4
    sigma: float = 0.078
    grid: int = 5

    def __post_init__(self) -> None:
        if not 0.0 <= self.flip <= 1.0:
            raise GenlabError(f"RandomWarp(flip={self.flip}) is a probability; use a value in [0, 1]")
        if min(self.rotation, self.shift, self.sigma) < 0:
            raise GenlabError(f"RandomWarp's rotation, shift and sigma are strengths and must be ≥ 0, got {self}")
        if self.grid < 2:
            raise GenlabError(f"RandomWarp(grid={self.grid}) needs at least 2×2 control points")

    def __call__(self, x: Tensor) -> Tensor:
        n, device = len(x), x.device
        angle = torch.deg2rad(self.rotation * (2 * torch.rand(n, device=device) - 1))
        mirror = 1 - 2 * (torch.rand(n, device=device) < self.flip).to(x.dtype)
        offset = self.shift * 2 * (2 * torch.rand(n, 2, device=device) - 1)  # grid units: the side is 2
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.stack(
            [torch.stack([cos * mirror, -sin, offset[:, 0]], 1), torch.stack([sin * mirror, cos, offset[:, 1]], 1)], 1
        )
        points = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
        lattice = self.sigma * 2 * torch.randn(n, 2, self.grid, self.grid, device=device, dtype=x.dtype)
        field = F.interpolate(lattice, size=x.shape[-2:], mode="bicubic", align_corners=True)
        return F.grid_sample(x, points + field.permute(0, 2, 3, 1), padding_mode="border", align_corners=False)
