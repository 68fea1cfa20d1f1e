"""Super-resolution networks of SRGAN (Ledig et al., 2017), built from shapes.

- `SRResNet`: a 9×9 convolution and PReLU, `blocks` residual blocks (3×3 conv, batch norm,
  PReLU, 3×3 conv, batch norm, plus the input), a 3×3 conv and batch norm added to the first
  layer's output (the long skip), then one ×2 stage per factor of two of `scale` — a 3×3
  convolution to 4× the channels, `PixelShuffle(2)` (sub-pixel convolution: channels become a
  2×2 block of pixels, which has none of the checkerboards of a transposed convolution whose
  kernel the stride does not divide), PReLU — and a 9×9 convolution to the image, Tanh.
- `SRDiscriminator`: SRGAN's VGG-style classifier: 3×3 convolutions, widths doubling every two
  layers, stride 2 on every second, batch norm and LeakyReLU 0.2; the paper's dense layers (1024,
  then 1) become global average pooling and 1×1 convolutions, so one network takes any size.
"""

import math

from torch import Tensor, nn

from genlab.errors import GenlabError


def _upsampling_steps(scale: int) -> int:
    steps = int(math.log2(scale)) if scale >= 2 else 0
    if steps == 0 or 2**steps != scale:
        raise GenlabError(f"SRResNet upsamples by powers of two; scale={scale} is not one (use 2, 4 or 8)")
    return steps


class SRResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1),
            nn.BatchNorm2d(channels),
            nn.PReLU(channels),
            nn.Conv2d(channels, channels, 3, 1, 1),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class PixelShuffleUp(nn.Sequential):
    """×2: a 3×3 convolution to 4·channels, then each 4 channels become a 2×2 block of pixels."""

    def __init__(self, channels: int) -> None:
        super().__init__(nn.Conv2d(channels, 4 * channels, 3, 1, 1), nn.PixelShuffle(2), nn.PReLU(channels))


class SRResNet(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, scale: int, width: int = 64, blocks: int = 16) -> None:
        super().__init__()
        self.scale = scale
        self.head = nn.Sequential(nn.Conv2d(in_channels, width, 9, 1, 4), nn.PReLU(width))
        self.body = nn.Sequential(
            *(SRResidualBlock(width) for _ in range(blocks)), nn.Conv2d(width, width, 3, 1, 1), nn.BatchNorm2d(width)
        )
        self.up = nn.Sequential(*(PixelShuffleUp(width) for _ in range(_upsampling_steps(scale))))
        self.tail = nn.Sequential(nn.Conv2d(width, out_channels, 9, 1, 4), nn.Tanh())

    def forward(self, x: Tensor) -> Tensor:
        features = self.head(x)
        return self.tail(self.up(features + self.body(features)))


class SRDiscriminator(nn.Module):
    """`forward(x)` → (batch, 1, 1, 1) logits: one judgement per image."""

    def __init__(self, in_channels: int, side: int, width: int = 64, layers: int = 8) -> None:
        super().__init__()
        if layers < 2 or layers % 2:
            raise GenlabError(f"SRDiscriminator(layers={layers}): use an even number ≥ 2 (the paper's 8)")
        if side < 2 ** (layers // 2):
            raise GenlabError(
                f"an SRGAN discriminator of {layers} layers halves the side {layers // 2} times and needs "
                f"{2 ** (layers // 2)} px or more, got {side}; lower model.discriminator.layers"
            )
        blocks: list[nn.Module] = [nn.Conv2d(in_channels, width, 3, 1, 1), nn.LeakyReLU(0.2)]
        channels = width
        for i in range(1, layers):
            out = width * 2 ** (i // 2)
            blocks += [nn.Conv2d(channels, out, 3, 1 + i % 2, 1), nn.BatchNorm2d(out), nn.LeakyReLU(0.2)]
            channels = out
        blocks += [
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, 2 * channels, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * channels, 1, 1),
        ]
        self.net = nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
