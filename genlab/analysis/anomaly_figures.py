"""The pictures of an anomaly-detection report: ROC curves of every score, each score's histogram
for normal and outlier examples, and the test images a score finds most and least anomalous."""

from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_curve
from torch import Tensor
from torchvision.utils import make_grid, save_image

from genlab.analysis.plotting import pyplot


def roc_figure(scores: dict[str, Tensor], outlier: Tensor, aurocs: dict[str, float], out: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    for name, values in scores.items():
        fpr, tpr, _ = roc_curve(outlier.numpy(), values.numpy())
        ax.plot(fpr, tpr, label=f"{name} (AUROC {aurocs[name]:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="false positive rate (normal flagged)", ylabel="true positive rate (outliers found)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def histogram_figure(scores: dict[str, Tensor], outlier: Tensor, out: Path) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(1, len(scores), figsize=(3.2 * len(scores), 2.8), squeeze=False)
    for ax, (name, values) in zip(axes[0], scores.items(), strict=True):
        bins = np.histogram_bin_edges(values.numpy(), bins=30)
        ax.hist(values[~outlier].numpy(), bins=bins, alpha=0.6, density=True, label="normal")
        ax.hist(values[outlier].numpy(), bins=bins, alpha=0.6, density=True, label="outlier")
        ax.set(title=name, xlabel="score (higher: more anomalous)")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def extremes_grid(images: Tensor, scores: Tensor, per_row: int, out: Path) -> None:
    """Row 1: the `per_row` most anomalous images, most first; row 2: the least anomalous."""
    order = torch.argsort(scores, descending=True)
    chosen = torch.cat([order[:per_row], order.flip(0)[:per_row]])
    save_image(make_grid(images[chosen].clamp(0, 1), nrow=per_row, padding=2, pad_value=1.0), out)
