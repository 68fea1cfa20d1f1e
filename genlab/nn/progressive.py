"""Progressive growing's networks (Karras et al., 2018, PG-GAN), pure PyTorch.

Both networks hold every resolution's layers from the start and run the ones a `Stage` asks for
(the schedule, `genlab/models/adversarial/growth.py`): layers of resolutions not reached yet get
no gradient, so their weights and Adam's state wait untouched.

- G: z → pixel norm → a fully connected layer to 4×4 maps and a 3×3 convolution; per further
  resolution, ×2 nearest upsampling and two 3×3 convolutions; every convolution followed by leaky
  ReLU and pixel norm; a 1×1 ToRGB per resolution (linear outputs). While a resolution fades in,
  the image is (1 − α)·upsampled ToRGB of the previous resolution + α·ToRGB of the new one.
- D mirrors it: a 1×1 FromRGB per resolution, per resolution two 3×3 convolutions and 2×2 average
  pooling, and at 4×4 the minibatch standard deviation, a 3×3 convolution and two fully
  connected layers. While a resolution fades in, its block's output is blended with the
  previous resolution's FromRGB of the pooled image.
All layers use the equalised learning rate (`genlab/nn/style.py`); feature maps per resolution
follow the papers' rule, channel_base / side at most channel_max.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.nn.minibatch import minibatch_stddev
from genlab.nn.padding import square_side
from genlab.nn.residual_discriminator import lrelu
from genlab.nn.style import EqualConv2d, EqualLinear, pixel_norm
from genlab.nn.synthesis import channel_count

FIRST = 4  # the papers' first resolution


def growth_resolutions(data_shape: Sequence[int]) -> tuple[int, ...]:
    """4, 8, …, the data's side, for square images whose side is a power of two from 8 to 1024."""
    side = square_side(data_shape, "progressive growing")
    if side < 2 * FIRST or side > 1024 or 2 ** round(math.log2(side)) != side:
        raise GenlabError(
            f"dataset.image_size={side}: progressive growing doubles 4 px up to the data's side, which must be "
            "a power of two from 8 to 1024; set dataset.image_size=16 (or 32, 64, …)"
        )
    return tuple(2**k for k in range(int(math.log2(FIRST)), int(math.log2(side)) + 1))


@dataclass(frozen=True)
class Stage:
    """Where training stands: the resolution G and D work at, and α, the weight of its newest
    layers (1 when it is not fading in)."""

    resolution: int
    alpha: float

    @property
    def fading(self) -> bool:
        return self.alpha < 1


def grow(x: Tensor) -> Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


def real_at(x: Tensor, stage: Stage) -> Tensor:
    """Real images as D sees them at `stage`: average-pooled to its resolution and, while it fades
    in, blended with the previous resolution's enlarged, as G's output is."""
    if x.shape[-1] > stage.resolution:
        x = F.avg_pool2d(x, x.shape[-1] // stage.resolution)
    return grow(F.avg_pool2d(x, 2)).lerp(x, stage.alpha) if stage.fading else x


def normalised(x: Tensor) -> Tensor:
    return pixel_norm(lrelu(x))


class ProgressiveGenerator(nn.Module):
    """`forward(z, stage)` → images (batch, channels, stage.resolution, stage.resolution)."""

    def __init__(
        self, data_shape: Sequence[int], latent_dim: int, channel_base: int = 2048, channel_max: int = 128
    ) -> None:
        super().__init__()
        self.resolutions = growth_resolutions(data_shape)
        width = {side: channel_count(side, channel_base, channel_max) for side in self.resolutions}
        self.first = width[4]
        self.input = EqualLinear(latent_dim, self.first * 16)
        self.input_conv = EqualConv2d(self.first, self.first, 3)
        self.blocks = nn.ModuleDict(
            {
                str(side): nn.ModuleList(
                    [EqualConv2d(width[side // 2], width[side], 3), EqualConv2d(width[side], width[side], 3)]
                )
                for side in self.resolutions[1:]
            }
        )
        self.to_rgb = nn.ModuleDict(
            {str(side): EqualConv2d(width[side], data_shape[0], 1) for side in self.resolutions}
        )

    def forward(self, z: Tensor, stage: Stage) -> Tensor:
        x = normalised(self.input(pixel_norm(z)).reshape(len(z), self.first, 4, 4))
        x = normalised(self.input_conv(x))
        previous = x
        for side in self.resolutions[1 : self.resolutions.index(stage.resolution) + 1]:
            previous = x
            x = grow(x)
            for conv in self.blocks[str(side)]:
                x = normalised(conv(x))
        image = self.to_rgb[str(stage.resolution)](x)
        if not stage.fading:
            return image
        return grow(self.to_rgb[str(stage.resolution // 2)](previous)).lerp(image, stage.alpha)


class ProgressiveDiscriminator(nn.Module):
    """`forward(x, stage)` for images at `stage.resolution` → (batch,) scores, or (batch, outputs)."""

    def __init__(
        self,
        data_shape: Sequence[int],
        outputs: int = 1,
        channel_base: int = 2048,
        channel_max: int = 128,
        mbstd_group: int = 4,
    ) -> None:
        super().__init__()
        self.resolutions = growth_resolutions(data_shape)
        width = {side: channel_count(side, channel_base, channel_max) for side in self.resolutions}
        self.from_rgb = nn.ModuleDict(
            {str(side): EqualConv2d(data_shape[0], width[side], 1) for side in self.resolutions}
        )
        self.blocks = nn.ModuleDict(
            {
                str(side): nn.ModuleList(
                    [EqualConv2d(width[side], width[side], 3), EqualConv2d(width[side], width[side // 2], 3)]
                )
                for side in self.resolutions[1:]
            }
        )
        last = width[4]
        self.mbstd_group = mbstd_group
        self.conv = EqualConv2d(last + 1, last, 3)
        self.fc = EqualLinear(last * 16, last)
        self.out = EqualLinear(last, outputs)

    def forward(self, x: Tensor, stage: Stage) -> Tensor:
        h = lrelu(self.from_rgb[str(stage.resolution)](x))
        for side in self.resolutions[self.resolutions.index(stage.resolution) : 0 : -1]:
            for conv in self.blocks[str(side)]:
                h = lrelu(conv(h))
            h = F.avg_pool2d(h, 2)
            if side == stage.resolution and stage.fading:
                h = lrelu(self.from_rgb[str(side // 2)](F.avg_pool2d(x, 2))).lerp(h, stage.alpha)
        h = lrelu(self.conv(minibatch_stddev(h, self.mbstd_group)))
        out = self.out(lrelu(self.fc(h.flatten(1))))
        return out[:, 0] if out.shape[1] == 1 else out
