"""Input corruptions for denoising autoencoders: the model sees corrupt x̃, the target stays x."""

from dataclasses import dataclass

import torch
from torch import Tensor


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
