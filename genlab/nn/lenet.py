"""LeNet-style feature extractor with batch norm: DANN's ψ for digits (Ganin et al. use two 5×5
conv layers with max pooling for MNIST → MNIST-M). Batch norm is what makes adaptation work at
genlab's CPU budgets: measured on digits → digits_m, the same network without it gains nothing
from the domain adversary."""

from collections.abc import Sequence

from torch import nn

from genlab.errors import GenlabError


def lenet_features(data_shape: Sequence[int], widths: Sequence[int] = (32, 48)) -> tuple[nn.Module, int]:
    """(conv 5×5 → batch norm → ReLU → 2×2 max pool, per width, then flatten; its output size)."""
    if len(data_shape) != 3:
        raise GenlabError(
            f"the LeNet features need image data (channels, height, width), got shape {list(data_shape)}; "
            "pair two image datasets (toy2d's points are for the MLP models)"
        )
    channels, side = int(data_shape[0]), int(data_shape[-1])
    layers: list[nn.Module] = []
    for width in widths:
        side = (side - 4) // 2
        if side < 1:
            raise GenlabError(
                f"model.features.widths={list(widths)}: {len(widths)} 5×5 conv + pool stages need larger than "
                f"{data_shape[-1]}-px images; use fewer widths or a larger dataset.image_size"
            )
        layers += [nn.Conv2d(channels, width, 5), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2)]
        channels = width
    return nn.Sequential(*layers, nn.Flatten()), channels * side * side


def dense_head(in_dim: int, hidden: Sequence[int], out_dim: int) -> nn.Sequential:
    """Linear → batch norm → ReLU per hidden width, then a linear map to `out_dim`: the label
    predictor (100, 100 → classes) and the domain discriminator (100 → 1) of the paper's MNIST net."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.BatchNorm1d(width), nn.ReLU()]
        in_dim = width
    return nn.Sequential(*layers, nn.Linear(in_dim, out_dim))
