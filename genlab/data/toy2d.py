"""2-D toy distributions for GAN dynamics and mode collapse: points, not images.

Labels are the index of the mixture component each point came from (−1 for continuous
distributions), and `modes` holds the component centres for coverage measurements.
"""

import math

import torch
from sklearn.datasets import make_swiss_roll
from torch import Tensor

from genlab.data.base import TensorDataModule
from genlab.errors import GenlabError

KINDS = ("8gaussians", "25gaussians", "ring", "swissroll")
MODE_STD = {"8gaussians": 0.02, "25gaussians": 0.05}  # the unrolled-GAN and PacGAN papers' σ


def mixture_modes(kind: str) -> Tensor:
    if kind == "8gaussians":
        angles = torch.arange(8) * (2 * math.pi / 8)
        return 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
    if kind == "25gaussians":
        grid = torch.arange(-4.0, 5.0, 2.0)
        return torch.cartesian_prod(grid, grid)
    return torch.empty(0, 2)


def sample_toy2d(kind: str, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    if kind in ("8gaussians", "25gaussians"):
        modes = mixture_modes(kind)
        std = MODE_STD[kind]
        labels = torch.randint(len(modes), (n,), generator=generator)
        return modes[labels] + std * torch.randn(n, 2, generator=generator), labels
    if kind == "ring":
        angle = 2 * math.pi * torch.rand(n, generator=generator)
        radius = 2.0 + 0.05 * torch.randn(n, generator=generator)
        return torch.stack([radius * angle.cos(), radius * angle.sin()], 1), torch.full((n,), -1)
    if kind == "swissroll":
        seed = int(torch.randint(2**31 - 1, (1,), generator=generator))
        points, _ = make_swiss_roll(n, noise=0.25, random_state=seed)
        return torch.as_tensor(points[:, [0, 2]] / 5.0, dtype=torch.float32), torch.full((n,), -1)
    raise GenlabError(f"unknown toy2d kind {kind!r}; choose one of {', '.join(KINDS)}")


class Toy2dDataModule(TensorDataModule):
    def __init__(self, kind: str = "8gaussians", n_samples: int = 20_000, **kwargs) -> None:
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise GenlabError(f"unknown dataset.kind={kind!r}; choose one of {', '.join(KINDS)}")
        self.kind = kind
        self.n_samples = n_samples
        self.modes = mixture_modes(kind)
        self.mode_std = MODE_STD.get(kind)  # σ of each mixture component; the papers' quality radius is 3σ

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        return sample_toy2d(self.kind, self.n_samples, torch.Generator().manual_seed(self.seed))
