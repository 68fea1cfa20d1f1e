"""Style-based generators: a mapping network z → w and a synthesis network that reads one style
vector per layer, ws of shape (batch, num_ws, w_dim), and paints an image from a learnt 4×4
constant (Karras et al., StyleGAN and StyleGAN2). Pure PyTorch: no custom CUDA op.

- `SkipSynthesis` (StyleGAN2): modulated/demodulated 3×3 convolutions (`genlab/nn/style.py`), a
  per-layer noise input, and a ToRGB layer (modulated, not demodulated) at every resolution whose
  colours are summed up the resolutions ("skip" generator).
- `AdaINSynthesis` (StyleGAN): equalised convolutions, per-channel noise and adaptive instance
  normalisation x ← s·norm(x) + b after every convolution, one ToRGB at the end. StyleGAN's
  progressive growing is left out: it trains at full resolution, as StyleGAN2 does.

Both give two style inputs per resolution, num_ws = 2·log₂(side) − 2 (8 for 32 px, 18 for 1024 px),
and list their style affines (`style_layers`) for SeFa. Upsampling is bilinear, which is the
[1, 3, 3, 1] low-pass filter of the papers applied after zero-insertion. Noise is `random`
(training), `const` (a fixed map per layer, stored with the weights: the same w always paints
the same image) or `none`. Sides that are not a power of two (MNIST's 28) are painted at the next
power of two and cropped (`genlab/nn/padding.py`).
"""

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.nn.padding import crop_image, square_side
from genlab.nn.style import EqualConv2d, EqualLinear, ModulatedConv2d


def style_resolution(data_shape: Sequence[int], network: str) -> tuple[int, int, int]:
    """(image channels, image side, the power-of-two side the network is built for)."""
    channels, side = int(data_shape[0]), square_side(data_shape, network)
    built = 2 ** math.ceil(math.log2(side))
    if not 16 <= built <= 1024:
        raise GenlabError(f"{network} builds 16- to 1024-px images, got {side} px; set dataset.image_size")
    return channels, side, built


def channel_count(side: int, channel_base: int, channel_max: int) -> int:
    """Feature maps at a resolution: channel_base / side, at most channel_max (the papers' rule)."""
    return max(1, min(channel_base // side, channel_max))


def upsample(x: Tensor) -> Tensor:
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def biased_leaky_relu(x: Tensor, bias: Tensor) -> Tensor:
    """Bias, leaky ReLU(0.2) and the gain √2 that keeps unit variance."""
    return F.leaky_relu(x + bias[None, :, None, None], 0.2) * math.sqrt(2)


class NoiseInjection(nn.Module):
    """x + strength · noise, one noise channel broadcast over features; `strength` starts at 0
    (one scalar in StyleGAN2, one per channel in StyleGAN)."""

    def __init__(self, side: int, channels: int = 1) -> None:
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("fixed", torch.randn(1, 1, side, side))

    def forward(self, x: Tensor, mode: str) -> Tensor:
        if mode == "none":
            return x
        if mode == "const":
            noise = self.fixed.to(x.dtype)
        else:
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype)
        return x + self.strength * noise


class StyledConv(nn.Module):
    """StyleGAN2's layer: (×2 upsampling,) modulated 3×3 convolution, noise, bias, leaky ReLU."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, side: int, up: bool = False) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim)
        self.noise = NoiseInjection(side)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.up = up

    def forward(self, x: Tensor, w: Tensor, noise: str) -> Tensor:
        return biased_leaky_relu(self.noise(self.conv(upsample(x) if self.up else x, w), noise), self.bias)


class ToRGB(nn.Module):
    """Colours from features by a modulated 1×1 convolution, added to the upsampled colours below."""

    def __init__(self, in_channels: int, image_channels: int, w_dim: int) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, image_channels, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(image_channels))

    def forward(self, x: Tensor, w: Tensor, below: Tensor | None) -> Tensor:
        rgb = self.conv(x, w) + self.bias[None, :, None, None]
        return rgb if below is None else rgb + upsample(below)


class SkipSynthesis(nn.Module):
    """StyleGAN2's synthesis network; `forward(ws, noise)` → images in model space (≈ [−1, 1])."""

    def __init__(
        self, data_shape: Sequence[int], w_dim: int, channel_base: int = 16384, channel_max: int = 512
    ) -> None:
        super().__init__()
        image_channels, self.side, built = style_resolution(data_shape, "StyleGAN2's synthesis network")
        width = [channel_count(4 * 2**i, channel_base, channel_max) for i in range(int(math.log2(built)) - 1)]
        self.const = nn.Parameter(torch.randn(1, width[0], 4, 4))
        self.first = StyledConv(width[0], width[0], w_dim, 4)
        self.first_rgb = ToRGB(width[0], image_channels, w_dim)
        self.blocks = nn.ModuleList(
            nn.ModuleList(
                [
                    StyledConv(width[i - 1], width[i], w_dim, 4 * 2**i, up=True),
                    StyledConv(width[i], width[i], w_dim, 4 * 2**i),
                    ToRGB(width[i], image_channels, w_dim),
                ]
            )
            for i in range(1, len(width))
        )
        self.num_ws = 2 * len(width)

    def forward(self, ws: Tensor, noise: str = "random") -> Tensor:
        x = self.first(self.const.expand(len(ws), -1, -1, -1), ws[:, 0], noise)
        rgb = self.first_rgb(x, ws[:, 1], None)
        for i, (up, conv, to_rgb) in enumerate(self.blocks):
            x = conv(up(x, ws[:, 2 * i + 1], noise), ws[:, 2 * i + 2], noise)
            rgb = to_rgb(x, ws[:, 2 * i + 3], rgb)
        return crop_image(rgb, self.side)

    def style_layers(self) -> list[tuple[int, EqualLinear]]:
        """(index into ws, style affine) of every modulated layer; a ToRGB shares the next conv's w."""
        layers = [(0, self.first.conv.affine), (1, self.first_rgb.conv.affine)]
        for i, (up, conv, to_rgb) in enumerate(self.blocks):
            layers += [(2 * i + 1, up.conv.affine), (2 * i + 2, conv.conv.affine), (2 * i + 3, to_rgb.conv.affine)]
        return layers


class AdaIN(nn.Module):
    """Adaptive instance normalisation: each feature map normalised, then scaled and shifted by
    the style (s, b) = A(w); s starts at 1 and b at 0."""

    def __init__(self, channels: int, w_dim: int) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, 2 * channels)
        with torch.no_grad():
            self.affine.bias[:channels] = 1.0 / self.affine.bias_gain

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        scale, shift = self.affine(w)[:, :, None, None].chunk(2, dim=1)
        return F.instance_norm(x) * scale + shift


class AdaINLayer(nn.Module):
    """StyleGAN's layer: (×2 upsampling, 3×3 convolution,) per-channel noise, bias, leaky ReLU, AdaIN.
    The first layer of the network has no convolution: the constant goes straight to noise."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, side: int, conv: bool, up: bool) -> None:
        super().__init__()
        self.conv = EqualConv2d(in_channels, out_channels, 3, bias=False) if conv else None
        self.noise = NoiseInjection(side, out_channels)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.adain = AdaIN(out_channels, w_dim)
        self.up = up

    def forward(self, x: Tensor, w: Tensor, noise: str) -> Tensor:
        if self.up:
            x = upsample(x)
        if self.conv is not None:
            x = self.conv(x)
        return self.adain(biased_leaky_relu(self.noise(x, noise), self.bias), w)


class AdaINSynthesis(nn.Module):
    """StyleGAN's synthesis network; `forward(ws, noise)` → images in model space (≈ [−1, 1])."""

    def __init__(self, data_shape: Sequence[int], w_dim: int, channel_base: int = 8192, channel_max: int = 512) -> None:
        super().__init__()
        image_channels, self.side, built = style_resolution(data_shape, "StyleGAN's synthesis network")
        width = [channel_count(4 * 2**i, channel_base, channel_max) for i in range(int(math.log2(built)) - 1)]
        self.const = nn.Parameter(torch.ones(1, width[0], 4, 4))
        layers = [AdaINLayer(width[0], width[0], w_dim, 4, conv=False, up=False)]
        layers.append(AdaINLayer(width[0], width[0], w_dim, 4, conv=True, up=False))
        for i in range(1, len(width)):
            layers.append(AdaINLayer(width[i - 1], width[i], w_dim, 4 * 2**i, conv=True, up=True))
            layers.append(AdaINLayer(width[i], width[i], w_dim, 4 * 2**i, conv=True, up=False))
        self.layers = nn.ModuleList(layers)
        self.to_rgb = EqualConv2d(width[-1], image_channels, 1)
        self.num_ws = len(layers)

    def forward(self, ws: Tensor, noise: str = "random") -> Tensor:
        x = self.const.expand(len(ws), -1, -1, -1)
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i], noise)
        return crop_image(self.to_rgb(x), self.side)

    def style_layers(self) -> list[tuple[int, EqualLinear]]:
        return [(i, layer.adain.affine) for i, layer in enumerate(self.layers)]


class StyleGenerator(nn.Module):
    """Mapping network + synthesis network, and w̄, the running mean of w that truncation pulls
    towards (`track_mean`, called by the training step; decay 0.995 per step as in the papers).

    `forward(z, noise)` broadcasts each w to every layer; `synthesis(ws)` takes per-layer styles,
    which style mixing, truncation cut-offs and editing need."""

    def __init__(self, mapping: nn.Module, synthesis: nn.Module, w_dim: int, w_avg_decay: float = 0.995) -> None:
        super().__init__()
        if not 0 <= w_avg_decay < 1:
            raise GenlabError(f"model.generator.w_avg_decay={w_avg_decay} must be in [0, 1), e.g. 0.995")
        self.mapping, self.synthesis = mapping, synthesis
        self.w_dim, self.num_ws, self.w_avg_decay = w_dim, synthesis.num_ws, w_avg_decay
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def broadcast(self, w: Tensor) -> Tensor:
        return w[:, None].expand(-1, self.num_ws, -1)

    @torch.no_grad()
    def track_mean(self, w: Tensor) -> None:
        self.w_avg.copy_(w.detach().float().mean(dim=0).lerp(self.w_avg, self.w_avg_decay))

    def forward(self, z: Tensor, noise: str = "random") -> Tensor:
        return self.synthesis(self.broadcast(self.mapping(z)), noise)
