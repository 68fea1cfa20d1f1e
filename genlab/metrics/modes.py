"""Mode coverage on mixtures with known centres (toy2d): the numbers behind "mode collapse"."""

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class ModeCoverage:
    modes_covered: int  # modes with at least `min_count` samples within `radius`
    n_modes: int
    high_quality: float  # fraction of samples within `radius` of some mode


def mode_coverage(samples: Tensor, modes: Tensor, radius: float, min_count: int) -> ModeCoverage:
    distance, nearest = torch.cdist(samples.float(), modes.float()).min(dim=1)
    close = distance <= radius
    counts = torch.bincount(nearest[close], minlength=len(modes))
    return ModeCoverage(int((counts >= min_count).sum()), len(modes), float(close.float().mean()))
