"""The context encoder's network (Pathak et al., 2016): an encoder of the image with its hole, a
bottleneck, and a decoder that paints the missing region, built from shapes.

- encoder: 4×4 stride-2 convolutions from the side down to 4×4 (widths doubling from `width` up
  to 8·`width`; batch norm after all but the first; LeakyReLU 0.2);
- bottleneck: a 4×4 convolution without padding to `bottleneck` channels at 1×1 (the paper's
  4000), the code of the whole context;
- decoder: a 4×4 transposed convolution back to 4×4, then ×2 upsamplings (`transposed` or
  `resize`, as the translators, `genlab/nn/translation.py`) with batch norm and ReLU, to the full
  side; Tanh. It paints a whole image, of which the model keeps the hole (the paper's decoder
  paints the hole alone, which ties it to one hole size).
"""

import math

from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.nn.translation import upsampling


class ContextEncoderNet(nn.Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        side: int,
        width: int = 64,
        bottleneck: int = 4000,
        upsample: str = "transposed",
    ) -> None:
        super().__init__()
        stages = int(math.log2(side // 4)) if side >= 8 else 0
        if stages < 1 or 4 * 2**stages != side:
            raise GenlabError(
                f"the context encoder halves the side down to 4×4; use 8, 16, 32, 64 or 128 px, got {side}"
            )
        widths = [width * min(2**i, 8) for i in range(stages)]
        encoder: list[nn.Module] = []
        channels = in_channels
        for i, w in enumerate(widths):
            encoder += [nn.Conv2d(channels, w, 4, 2, 1), *([nn.BatchNorm2d(w)] if i else []), nn.LeakyReLU(0.2)]
            channels = w
        encoder += [nn.Conv2d(channels, bottleneck, 4), nn.BatchNorm2d(bottleneck), nn.LeakyReLU(0.2)]
        decoder: list[nn.Module] = [nn.ConvTranspose2d(bottleneck, channels, 4), nn.BatchNorm2d(channels), nn.ReLU()]
        for w in reversed(widths[:-1]):
            decoder += [upsampling(channels, w, upsample), nn.BatchNorm2d(w), nn.ReLU()]
            channels = w
        decoder += [upsampling(channels, out_channels, upsample), nn.Tanh()]
        self.encoder, self.decoder = nn.Sequential(*encoder), nn.Sequential(*decoder)

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))
