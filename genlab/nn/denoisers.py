"""Denoising networks for diffusion: (x_t, t) → a prediction with x_t's shape.

Images use diffusers' `UNet2DModel` (residual blocks, sinusoidal time embedding, self-attention
at a chosen resolution) — the network diffusers' own pipelines load, so a genlab DDPM exports to
a `DDPMPipeline` folder as it is. 2-D points (`toy2d`) use a small MLP with the same sinusoidal
time embedding. Both are plain modules: nothing here knows about training.
"""

import math
from collections.abc import Sequence

import torch
from diffusers import UNet2DModel
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.nn.padding import crop_image, fitted_side, pad_image


class UNetDenoiser(nn.Module):
    """diffusers' UNet behind genlab's (x_t, t[, labels]) → Tensor interface; `.unet` is what is
    exported. Labels index the UNet's class embedding, added to its time embedding. Images of a
    side the UNet's levels do not divide (MNIST's 28) are padded to `unet.sample_size` going in
    and cropped coming out (`padded`)."""

    def __init__(self, unet: UNet2DModel, side: int) -> None:
        super().__init__()
        self.unet = unet
        self.side = side

    @property
    def padded(self) -> bool:
        return self.side != self.unet.config.sample_size

    def forward(self, x: Tensor, t: Tensor, labels: Tensor | None = None) -> Tensor:
        if not self.padded:
            return self.unet(x, t, class_labels=labels).sample
        out = self.unet(pad_image(x, self.unet.config.sample_size), t, class_labels=labels).sample
        return crop_image(out, self.side)


def unet(
    data_shape: Sequence[int],
    widths: Sequence[int] = (32, 64, 64),
    layers_per_block: int = 1,
    attention_resolution: int | None = 8,
    groups: int = 8,
    classes: int | None = None,
) -> UNetDenoiser:
    """A U-Net with one level per entry of `widths` (each level halves the side, but the last),
    and `classes` label embeddings when the model conditions on labels."""
    if len(data_shape) != 3:
        raise GenlabError(
            f"the U-Net takes images, not {list(data_shape)}-shaped points; use model/network=mlp for points "
            "such as toy2d"
        )
    channels, height, width = (int(s) for s in data_shape)
    if height != width:
        raise GenlabError(f"the U-Net takes square images, got {height}×{width}; set dataset.image_size")
    built = fitted_side(height, 2 ** (len(widths) - 1))
    sides = [built // 2**level for level in range(len(widths))]
    # attention on the first level at most `attention_resolution` wide (28-px MNIST: 7, for 8)
    first = next((i for i, side in enumerate(sides) if attention_resolution and side <= attention_resolution), None)
    attends = [i == first for i in range(len(sides))]
    return UNetDenoiser(
        UNet2DModel(
            sample_size=built,
            in_channels=channels,
            out_channels=channels,
            block_out_channels=tuple(widths),
            layers_per_block=layers_per_block,
            down_block_types=tuple("AttnDownBlock2D" if a else "DownBlock2D" for a in attends),
            up_block_types=tuple("AttnUpBlock2D" if a else "UpBlock2D" for a in reversed(attends)),
            norm_num_groups=groups,
            attention_head_dim=None if not any(attends) else 8,
            num_class_embeds=classes,
        ),
        height,
    )


def sinusoidal_embedding(t: Tensor, dim: int) -> Tensor:
    """The transformer's position code of the timestep: sin/cos at geometric frequencies."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * frequencies[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class MLPDenoiser(nn.Module):
    def __init__(self, dim: int, width: int, depth: int, embedding: int) -> None:
        super().__init__()
        self.embedding = embedding
        layers: list[nn.Module] = []
        size = dim + embedding
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.SiLU()]
            size = width
        self.net = nn.Sequential(*layers, nn.Linear(size, dim))

    def forward(self, x: Tensor, t: Tensor, labels: None = None) -> Tensor:
        """`labels` is always None: the factory refuses a class count."""
        return self.net(torch.cat([x, sinusoidal_embedding(t, self.embedding)], dim=1))


def time_mlp(
    data_shape: Sequence[int], width: int = 128, depth: int = 3, embedding: int = 32, classes: int | None = None
) -> MLPDenoiser:
    if classes is not None:
        raise GenlabError("the MLP denoiser is unconditional; use model/guidance=none with model/network=mlp")
    if len(data_shape) != 1:
        raise GenlabError(f"the MLP denoiser takes points, not {list(data_shape)}-shaped data; use model/network=unet")
    return MLPDenoiser(int(data_shape[0]), width, depth, embedding)
