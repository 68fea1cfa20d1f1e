"""Self-attention over the positions of a feature map (Zhang et al., 2019, SAGAN; used by BigGAN).

Convolutions see a neighbourhood; a face's two eyes, or a digit's two ends, are far apart. Each
position attends to every other: queries and keys are 1×1 projections to C/8 channels, values to
C/2, keys and values max-pooled 2×2 (BigGAN's economy: a quarter of the pairs), and the attended
values projected back to C and added to the input scaled by γ, which starts at 0 — so a network
begins local and learns how much to look across the image.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SelfAttention(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.query = nn.Conv2d(channels, max(1, channels // 8), 1, bias=False)
        self.key = nn.Conv2d(channels, max(1, channels // 8), 1, bias=False)
        self.value = nn.Conv2d(channels, max(1, channels // 2), 1, bias=False)
        self.out = nn.Conv2d(max(1, channels // 2), channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor) -> Tensor:
        batch, _, height, width = x.shape
        query = self.query(x).flatten(2)  # (B, C/8, HW)
        key = F.max_pool2d(self.key(x), 2).flatten(2)  # (B, C/8, HW/4)
        value = F.max_pool2d(self.value(x), 2).flatten(2)  # (B, C/2, HW/4)
        attention = torch.softmax(query.transpose(1, 2) @ key, dim=-1)  # (B, HW, HW/4)
        attended = (value @ attention.transpose(1, 2)).reshape(batch, -1, height, width)
        return x + self.gamma * self.out(attended)
