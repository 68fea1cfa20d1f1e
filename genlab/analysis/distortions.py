"""The disturbances FID's paper (Heusel et al., 2017, Fig. A1) applies to real images to show that
the score rises with them: additive Gaussian noise and Gaussian blur, each at a strength σ, and the
figure of FID against each strength."""

import math
from pathlib import Path

import torch
from torch import Tensor
from torchvision.transforms.functional import gaussian_blur

from genlab.analysis.plotting import pyplot


def add_noise(images: Tensor, sigma: float, generator: torch.Generator) -> Tensor:
    """Images in [0, 1] plus N(0, σ²) per value, clamped back to [0, 1]."""
    noise = torch.randn(images.shape, generator=generator).to(images.device)
    return (images + sigma * noise).clamp(0.0, 1.0)


def blur(images: Tensor, sigma: float) -> Tensor:
    """A Gaussian blur of standard deviation σ pixels (kernel ±3σ); σ = 0 leaves the images as they are."""
    if sigma == 0:
        return images
    size = 2 * math.ceil(3 * sigma) + 1
    return gaussian_blur(images, kernel_size=[size, size], sigma=[sigma, sigma])


def fid_curves_figure(panels: list[tuple[str, list[float], list[float]]], title: str, out: Path) -> None:
    """One panel per (x label, x values, FIDs), side by side, each with its points marked."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.2), squeeze=False)
    for ax, (label, xs, fids) in zip(axes[0], panels, strict=True):
        ax.plot(xs, fids, marker="o")
        ax.set(xlabel=label, ylabel="FID")
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
