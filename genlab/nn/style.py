"""Building blocks of style-based generators (Karras et al.: StyleGAN, StyleGAN2), pure PyTorch.

- `EqualLinear`, `EqualConv2d`: the equalised learning rate. Weights are stored as N(0, 1) and
  scaled at run time by He's constant 1/√fan_in (times `lr_multiplier`), so Adam's per-weight
  step sizes mean the same for every layer. The mapping network uses `lr_multiplier=0.01`.
- `MappingNetwork`: z → pixel norm → `depth` equalised FC layers with leaky ReLU → w.
- `ModulatedConv2d`: StyleGAN2's modulated convolution. The style s (an affine map of w)
  scales the weight's input channels; demodulation divides each output channel by its norm,
  w'' = w' / √(Σ w'² + ε), so outputs keep unit variance for unit-variance inputs. The batch is
  folded into the channel dimension and convolved once with groups = batch — one call instead of
  one per sample, and no custom CUDA op: it runs wherever PyTorch runs.
"""

import math
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EqualLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int, bias_init: float = 0.0, lr_multiplier: float = 1.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)) / lr_multiplier)
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight * self.weight_gain, self.bias * self.bias_gain)


class EqualConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.gain = 1 / math.sqrt(in_channels * kernel * kernel)
        self.padding = kernel // 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.gain, self.bias, padding=self.padding)


def pixel_norm(x: Tensor, eps: float = 1e-8) -> Tensor:
    """Each vector scaled to unit root-mean-square (StyleGAN normalises z this way)."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


class MappingNetwork(nn.Module):
    def __init__(self, z_dim: int = 512, w_dim: int = 512, depth: int = 8, lr_multiplier: float = 0.01) -> None:
        super().__init__()
        sizes = [z_dim] + [w_dim] * depth
        self.layers = nn.ModuleList(EqualLinear(a, b, lr_multiplier=lr_multiplier) for a, b in pairwise(sizes))

    def forward(self, z: Tensor) -> Tensor:
        x = pixel_norm(z)
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.2) * math.sqrt(2)  # the gain keeps the activations' scale
        return x


class ModulatedConv2d(nn.Module):
    """`forward(x, w)`: x (B, in, H, W), w (B, w_dim) → (B, out, H, W). `demodulate=False` for
    the ToRGB layers, whose outputs are colours, not features."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel: int, w_dim: int, demodulate: bool = True, eps: float = 1e-8
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # styles start at 1: unmodulated
        self.gain = 1 / math.sqrt(in_channels * kernel * kernel)
        self.demodulate, self.eps, self.padding = demodulate, eps, kernel // 2

    def modulated_weight(self, styles: Tensor) -> Tensor:
        """(B, out, in, k, k): the weight scaled per sample by its styles, demodulated if asked."""
        weight = self.weight[None] * self.gain * styles[:, None, :, None, None]
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.pow(2).sum(dim=(2, 3, 4), keepdim=True) + self.eps)
        return weight

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        batch, in_channels, height, width = x.shape
        weight = self.modulated_weight(self.affine(w))
        out = F.conv2d(
            x.reshape(1, batch * in_channels, height, width),
            weight.reshape(batch * weight.shape[1], in_channels, *weight.shape[3:]),
            padding=self.padding,
            groups=batch,
        )
        return out.reshape(batch, -1, height, width)
