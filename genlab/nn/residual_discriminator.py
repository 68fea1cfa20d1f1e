"""StyleGAN2's residual discriminator (Karras et al., 2020), pure PyTorch.

FromRGB (1×1), then per resolution a residual block — two 3×3 convolutions and a ×2 downsampling
beside a 1×1 skip, summed and scaled by 1/√2 to keep the variance — down to 4×4, where the
minibatch standard deviation is appended as one more feature map (a batch of near-identical
samples stands out, Karras et al., 2018), then a 3×3 convolution and two fully connected layers.
All layers use the equalised learning rate. Downsampling is 2×2 average pooling (the papers blur
then stride). Sides that are not a power of two are zero-padded to the next one.
"""

import math
from collections.abc import Sequence
from itertools import pairwise

import torch.nn.functional as F
from torch import Tensor, nn

from genlab.nn.minibatch import minibatch_stddev
from genlab.nn.padding import pad_image
from genlab.nn.style import EqualConv2d, EqualLinear
from genlab.nn.synthesis import channel_count, style_resolution

GAIN = math.sqrt(2)


def lrelu(x: Tensor) -> Tensor:
    return F.leaky_relu(x, 0.2) * GAIN


class ResidualBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = EqualConv2d(in_channels, in_channels, 3)
        self.conv2 = EqualConv2d(in_channels, out_channels, 3)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        out = F.avg_pool2d(lrelu(self.conv2(lrelu(self.conv1(x)))), 2)
        return (out + self.skip(F.avg_pool2d(x, 2))) / GAIN


class ResidualDiscriminator(nn.Module):
    """`forward(x)` → (batch,) logits, or (batch, outputs) when `outputs` > 1."""

    def __init__(
        self,
        data_shape: Sequence[int],
        outputs: int = 1,
        channel_base: int = 16384,
        channel_max: int = 512,
        mbstd_group: int = 4,
    ) -> None:
        super().__init__()
        image_channels, self.side, self.built = style_resolution(data_shape, "The residual discriminator")
        sides = [2**k for k in range(int(math.log2(self.built)), 1, -1)]  # built … 4
        width = [channel_count(s, channel_base, channel_max) for s in sides]
        self.from_rgb = EqualConv2d(image_channels, width[0], 1)
        self.blocks = nn.Sequential(*(ResidualBlock(a, b) for a, b in pairwise(width)))
        self.mbstd_group, self.outputs = mbstd_group, outputs
        self.conv = EqualConv2d(width[-1] + 1, width[-1], 3)
        self.fc = EqualLinear(width[-1] * 16, width[-1])
        self.out = EqualLinear(width[-1], outputs)

    def forward(self, x: Tensor) -> Tensor:
        if self.side != self.built:
            x = pad_image(x, self.built)
        x = self.blocks(lrelu(self.from_rgb(x)))
        x = lrelu(self.conv(minibatch_stddev(x, self.mbstd_group)))
        out = self.out(lrelu(self.fc(x.flatten(1))))
        return out[:, 0] if self.outputs == 1 else out
