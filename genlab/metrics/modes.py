"""Mode coverage on mixtures with known centres (toy2d): the numbers behind "mode collapse".

The measures of the unrolled-GAN, VEEGAN and PacGAN papers: a sample is *high quality* when it
lies within `radius` of a mode (the papers: 3σ of the mixture's components); a mode is *covered*
when at least `min_count` high-quality samples are nearest to it; and the KL divergence of the
high-quality samples' mode histogram from the uniform one (0: every mode equally often; log K: all
on one mode). With no high-quality sample at all, the histogram is undefined and the KL is given as
log K, the worst any histogram reaches.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class ModeCoverage:
    modes_covered: int  # modes with at least `min_count` samples within `radius`
    n_modes: int
    high_quality: float  # fraction of samples within `radius` of some mode
    kl: float  # KL(histogram of high-quality samples over modes ‖ uniform), in nats


def mode_coverage(samples: Tensor, modes: Tensor, radius: float, min_count: int) -> ModeCoverage:
    distance, nearest = torch.cdist(samples.float(), modes.float()).min(dim=1)
    close = distance <= radius
    counts = torch.bincount(nearest[close], minlength=len(modes))
    kl = math.log(len(modes))
    if counts.sum() > 0:
        share = counts[counts > 0].double() / counts.sum()
        kl = float((share * (share * len(modes)).log()).sum())
    return ModeCoverage(int((counts >= min_count).sum()), len(modes), float(close.float().mean()), kl)
