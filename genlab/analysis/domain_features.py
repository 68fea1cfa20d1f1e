"""The lecture's picture of domain adaptation: a feature extractor's features of held-out source
and target images in two dimensions (t-SNE, scikit-learn), coloured by class, one marker per
domain. Before adaptation the target sits in a cloud of its own; DANN pulls it towards the
source's class clusters."""

from pathlib import Path

import numpy as np
from sklearn.manifold import TSNE
from torch import Tensor

from genlab.analysis.plotting import pyplot


def feature_panel(axis, source: tuple[Tensor, Tensor], target: tuple[Tensor, Tensor], title: str) -> None:
    """(features, labels) of each domain, embedded together by t-SNE, drawn on `axis`."""
    points = TSNE(init="pca", random_state=0, perplexity=30).fit_transform(
        np.concatenate([source[0].double().numpy(), target[0].double().numpy()])
    )
    n = len(source[0])
    for (start, stop), marker, side, labels in (
        ((0, n), "o", "source", source[1]),
        ((n, None), "x", "target", target[1]),
    ):
        colours = {"c": labels.numpy(), "cmap": "tab10", "vmin": -0.5, "vmax": 9.5}
        axis.scatter(*points[start:stop].T, **colours, marker=marker, s=12, label=side)
    axis.set_title(title, fontsize=10)
    axis.legend(loc="lower right")
    axis.set_xticks([])
    axis.set_yticks([])


def features_figure(source: tuple[Tensor, Tensor], target: tuple[Tensor, Tensor], title: str, out: Path) -> None:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(5, 5))
    feature_panel(axis, source, target, title)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
