"""Image-to-image networks (pix2pix, CycleGAN): the U-Net and ResNet generators and the PatchGAN
discriminator, as in Isola et al. and Zhu et al., built as plain modules from shapes.

- `UNetGenerator`: encoder of 4×4 stride-2 convolutions (LeakyReLU 0.2, normalisation after all
  but the first), down to 1×1 for power-of-two sides; a decoder that mirrors it, each stage taking
  the concatenation of the stage below's output and the encoder's feature map at that size
  (the skips); dropout 0.5 in the innermost decoder stages (pix2pix's only noise source); Tanh.
- `ResNetGenerator`: c7s1-w, two stride-2 downsamplings, `blocks` residual blocks (reflection
  padding, instance norm), two upsamplings, c7s1-C, Tanh.
- `PatchDiscriminator`: C64-C128-…-C(64·2^(layers−1)) with stride 2, one stride-1 layer and a
  1-channel stride-1 output: each output judges one patch (70×70 px for `layers=3`).

Upsampling is `transposed` (the papers': 4×4 stride-2 transposed convolutions, or 3×3 in CycleGAN)
or `resize` — nearest-neighbour ×2 then a 3×3 convolution, which cannot produce the checkerboard
artefacts of transposed convolutions whose kernel the stride does not divide (Odena et al., 2016).
Normalisation is `batch` (pix2pix) or `instance` (CycleGAN).
"""

import math

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError

UPSAMPLING = ("transposed", "resize")
NORMS = {"batch": nn.BatchNorm2d, "instance": lambda c: nn.InstanceNorm2d(c, affine=True)}


def _norm(kind: str, channels: int) -> nn.Module:
    if kind not in NORMS:
        raise GenlabError(f"norm={kind!r}: use batch (pix2pix) or instance (CycleGAN)")
    return NORMS[kind](channels)


def upsampling(in_channels: int, out_channels: int, kind: str, kernel: int = 4) -> nn.Module:
    """×2 upsampling convolution: transposed (`kernel` 4 or 3) or nearest-neighbour resize + 3×3 conv."""
    if kind == "transposed":
        padding, output_padding = (1, 0) if kernel == 4 else (1, 1)
        return nn.ConvTranspose2d(in_channels, out_channels, kernel, 2, padding, output_padding)
    if kind == "resize":
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(in_channels, out_channels, 3, 1, 1))
    raise GenlabError(f"upsample={kind!r}: use transposed (the papers') or resize (no checkerboard artefacts)")


class UNetStage(nn.Module):
    """One level of the U-Net: down, the levels below (`inner`), up, concatenated with the input."""

    def __init__(
        self, outer: int, inner_channels: int, inner: nn.Module | None, norm: str, upsample: str, dropout: float
    ) -> None:
        super().__init__()
        down = [nn.LeakyReLU(0.2), nn.Conv2d(outer, inner_channels, 4, 2, 1)]
        if inner is not None:
            down.append(_norm(norm, inner_channels))
        up_in = inner_channels if inner is None else 2 * inner_channels
        up = [nn.ReLU(), upsampling(up_in, outer, upsample), _norm(norm, outer)]
        if dropout:
            up.append(nn.Dropout(dropout))
        self.down, self.inner, self.up = nn.Sequential(*down), inner, nn.Sequential(*up)

    def forward(self, x: Tensor) -> Tensor:
        y = self.down(x)
        if self.inner is not None:
            y = self.inner(y)
        return torch.cat([x, self.up(y)], dim=1)


class UNetGenerator(nn.Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        side: int,
        width: int = 64,
        depth: int | None = None,
        norm: str = "batch",
        upsample: str = "transposed",
        dropout: float = 0.5,
        dropout_stages: int = 3,
    ) -> None:
        super().__init__()
        levels = int(math.log2(side)) if depth is None else depth
        if side % 2**levels or levels < 2:
            raise GenlabError(
                f"the U-Net halves the {side}-px side {levels} times; use a side divisible by 2^{levels} "
                "(a power of two) or set model.generator.depth"
            )
        widths = [min(width * 2**i, width * 8) for i in range(levels)]  # 64, 128, 256, 512, 512, …
        stage: nn.Module | None = None
        for i in range(levels - 1, 0, -1):  # innermost first
            inner_dropout = dropout if 0 < levels - 1 - i <= dropout_stages else 0.0  # next to the innermost
            stage = UNetStage(widths[i - 1], widths[i], stage, norm, upsample, inner_dropout)
        self.first = nn.Conv2d(in_channels, widths[0], 4, 2, 1)
        self.stages = stage
        self.last = nn.Sequential(nn.ReLU(), upsampling(2 * widths[0], out_channels, upsample), nn.Tanh())

    def forward(self, x: Tensor) -> Tensor:
        return self.last(self.stages(self.first(x)))


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, norm: str) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            _norm(norm, channels),
            nn.ReLU(),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            _norm(norm, channels),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        side: int,
        width: int = 64,
        blocks: int = 9,
        norm: str = "instance",
        upsample: str = "transposed",
    ) -> None:
        super().__init__()
        if side % 4:
            raise GenlabError(f"the ResNet generator halves the side twice; use a side divisible by 4, got {side}")
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, width, 7),
            _norm(norm, width),
            nn.ReLU(),
        ]
        for i in range(2):
            layers += [
                nn.Conv2d(width * 2**i, width * 2 ** (i + 1), 3, 2, 1),
                _norm(norm, width * 2 ** (i + 1)),
                nn.ReLU(),
            ]
        layers += [ResidualBlock(width * 4, norm) for _ in range(blocks)]
        for i in range(2, 0, -1):
            layers += [
                upsampling(width * 2**i, width * 2 ** (i - 1), upsample, kernel=3),
                _norm(norm, width * 2 ** (i - 1)),
            ]
            layers.append(nn.ReLU())
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """`forward(x)` → (batch, 1, h, w) logits, one per patch."""

    def __init__(self, in_channels: int, side: int, width: int = 64, layers: int = 3, norm: str = "batch") -> None:
        super().__init__()
        if side // 2**layers < 3:
            raise GenlabError(
                f"a PatchGAN with {layers} stride-2 layers needs images of at least {3 * 2**layers} px, got {side}; "
                "lower model.discriminator.layers"
            )
        blocks: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2)]
        channels = width
        for i in range(1, layers + 1):
            out = width * min(2**i, 8)
            stride = 2 if i < layers else 1
            blocks += [nn.Conv2d(channels, out, 4, stride, 1), _norm(norm, out), nn.LeakyReLU(0.2)]
            channels = out
        blocks.append(nn.Conv2d(channels, 1, 4, 1, 1))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
