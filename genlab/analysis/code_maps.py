"""The lecture's two pictures of a low-dimensional code: where the encoder puts each example (a
scatter coloured by its class; a 2-D code as it is, a larger one projected on its top two
principal components), and what a 2-D decoder draws across its code plane (Kingma & Welling's
manifold figure: a grid of codes at evenly spaced quantiles of the N(0, 1) prior, so the grid
covers the prior's mass evenly rather than its range)."""

from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch import Tensor
from torch.distributions import Normal

from genlab.analysis.plotting import pyplot


def plane(codes: np.ndarray) -> tuple[np.ndarray, list[float] | None]:
    """2-D coordinates of the codes and, for a projection, the variance share of each axis."""
    if codes.shape[1] <= 2:
        return np.pad(codes, ((0, 0), (0, 2 - codes.shape[1]))), None
    pca = PCA(n_components=2).fit(codes)
    return pca.transform(codes), [float(r) for r in pca.explained_variance_ratio_]


def scatter_figure(points: np.ndarray, labels: np.ndarray, axes: str, title: str, out: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.4), dpi=100)
    shown = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=6, vmin=-0.5, vmax=9.5)
    fig.colorbar(shown, ax=ax, ticks=range(10), label="class")
    ax.set(xlabel=f"{axes} 1", ylabel=f"{axes} 2")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def prior_grid(steps: int, low: float = 0.05, high: float = 0.95) -> Tensor:
    """(steps², 2) codes at the N(0, 1) quantiles low…high on each axis; rows run down the second
    code (top: its high end), columns along the first."""
    values = Normal(0.0, 1.0).icdf(torch.linspace(low, high, steps))
    second, first = torch.meshgrid(values.flip(0), values, indexing="ij")
    return torch.stack([first.flatten(), second.flatten()], dim=1)
