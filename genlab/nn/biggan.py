"""BigGAN's networks (Brock et al., 2019), pure PyTorch. G's layers are spectrally normalised
here; D's by the game's `spectral_norm` regulariser, as every GAN's D is.

- G reads [z, onehot(y)] — the input every class-conditional G of genlab gets — and splits it:
  the class goes through one *shared* embedding (a bias-free linear map of the one-hot, which is
  an embedding lookup), and z into equal chunks, one for the 4×4 input layer and one per residual
  block (the *hierarchical* latent). Each block's batch norms are conditional: gain 1 + W_g·c and
  bias W_b·c of c = [its z chunk, the shared embedding]. Blocks: BN–ReLU–×2 up–conv–BN–ReLU–conv
  beside a ×2-upsampled 1×1 skip. A SAGAN self-attention layer (`genlab/nn/attention.py`) follows
  the block at `attention` px; BN–ReLU–conv–tanh make the image.
- D (the projection discriminator, Miyato & Koyama, 2018): residual blocks (ReLU–conv–ReLU–conv–
  2×2 average pooling beside a 1×1 skip) down to 8 px, then two more at 8 px, self-attention at
  `attention` px, ReLU and a sum over positions give φ(x); the score is
  ψ(φ(x)) + ⟨embed(y), φ(x)⟩, a linear head plus the projection of the features on the class's
  embedding — D is told the class without it being concatenated to the image.

One width for every block (the paper's CIFAR-10 networks: 256 maps in G and D with `width=256`);
sides that are not a power of two are padded (`genlab/nn/padding.py`).
"""

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.nn.attention import SelfAttention
from genlab.nn.gan import apply_spectral_norm
from genlab.nn.padding import reading, square_side, writing


def residual_side(data_shape: Sequence[int], network: str) -> tuple[int, int]:
    """(the data's side, the power-of-two side ≥ 8 the network is built for)."""
    side = square_side(data_shape, network)
    built = max(8, 2 ** math.ceil(math.log2(side)))
    return side, built


class ConditionalBatchNorm(nn.Module):
    """Batch norm without its own affine; gain 1 + W_g·c and bias W_b·c from the condition c."""

    def __init__(self, channels: int, condition_width: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Linear(condition_width, channels, bias=False)
        self.bias = nn.Linear(condition_width, channels, bias=False)

    def forward(self, x: Tensor, condition: Tensor) -> Tensor:
        gain, bias = 1 + self.gain(condition), self.bias(condition)
        return self.norm(x) * gain[:, :, None, None] + bias[:, :, None, None]


def doubled(x: Tensor) -> Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


class GeneratorBlock(nn.Module):
    def __init__(self, channels: int, condition_width: int) -> None:
        super().__init__()
        self.norm1 = ConditionalBatchNorm(channels, condition_width)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = ConditionalBatchNorm(channels, condition_width)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.skip = nn.Conv2d(channels, channels, 1)

    def forward(self, x: Tensor, condition: Tensor) -> Tensor:
        h = self.conv1(doubled(F.relu(self.norm1(x, condition))))
        h = self.conv2(F.relu(self.norm2(h, condition)))
        return h + self.skip(doubled(x))


class BigGANGenerator(nn.Module):
    """`forward([z, onehot(y)])` → images in [−1, 1] of the built side."""

    def __init__(
        self, channels: int, built: int, latent_dim: int, classes: int, width: int, shared_dim: int, attention: int
    ) -> None:
        super().__init__()
        blocks = int(math.log2(built // 4))
        if latent_dim % (blocks + 1):
            raise GenlabError(
                f"model.latent_dim={latent_dim}: BigGAN's G splits z into {blocks + 1} equal chunks at {built} px "
                f"(one for the 4×4 input, one per block); use a multiple of {blocks + 1}, e.g. {(blocks + 1) * 20}"
            )
        self.latent_dim, self.chunk, self.width = latent_dim, latent_dim // (blocks + 1), width
        self.input = nn.Linear(self.chunk, 16 * width)
        self.blocks = nn.ModuleList(GeneratorBlock(width, self.chunk + shared_dim) for _ in range(blocks))
        sides = [8 * 2**i for i in range(blocks)]
        self.attention_after = sides.index(attention) if attention in sides else None
        self.attention = SelfAttention(width) if self.attention_after is not None else nn.Identity()
        self.out_norm = nn.BatchNorm2d(width)
        self.out = nn.Conv2d(width, channels, 3, padding=1)
        apply_spectral_norm(self)
        self.shared = nn.Linear(classes, shared_dim, bias=False)  # one-hot → embedding (a lookup), not normalised

    def forward(self, inputs: Tensor) -> Tensor:
        z, onehot = inputs[:, : self.latent_dim], inputs[:, self.latent_dim :]
        chunks = z.split(self.chunk, dim=1)
        shared = self.shared(onehot)
        h = self.input(chunks[0]).reshape(len(z), self.width, 4, 4)
        for index, block in enumerate(self.blocks):
            h = block(h, torch.cat([chunks[index + 1], shared], dim=1))
            if index == self.attention_after:
                h = self.attention(h)
        return torch.tanh(self.out(F.relu(self.out_norm(h))))


class DiscriminatorBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, down: bool, first: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if down or in_channels != out_channels else None
        self.down, self.first = down, first

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv2(F.relu(self.conv1(x if self.first else F.relu(x))))
        skip = x
        if self.down:
            h = F.avg_pool2d(h, 2)
            # the first block pools the image before its 1×1 convolution, later ones after (BigGAN's order)
            skip = self.skip(F.avg_pool2d(x, 2)) if self.first else F.avg_pool2d(self.skip(x), 2)
        elif self.skip is not None:
            skip = self.skip(x)
        return h + skip


class ProjectionDiscriminator(nn.Module):
    """`forward(x, onehot(y))` → (batch,) scores, or (batch, outputs); without `classes`, `forward(x)`."""

    def __init__(
        self, channels: int, built: int, outputs: int, classes: int | None, width: int, attention: int
    ) -> None:
        super().__init__()
        downs = int(math.log2(built // 8))
        plan = [True] * downs + [False, False]
        self.blocks = nn.ModuleList(
            DiscriminatorBlock(channels if i == 0 else width, width, down, i == 0) for i, down in enumerate(plan)
        )
        sides = [built // 2 ** (i + 1) if down else 8 for i, down in enumerate(plan)]
        self.attention_after = sides.index(attention) if attention in sides else None
        self.attention = SelfAttention(width) if self.attention_after is not None else nn.Identity()
        self.linear = nn.Linear(width, outputs)
        self.embed = nn.Linear(classes, width, bias=False) if classes else None

    def features(self, x: Tensor) -> Tensor:
        """φ(x): the blocks, ReLU and a sum over positions."""
        for index, block in enumerate(self.blocks):
            x = block(x)
            if index == self.attention_after:
                x = self.attention(x)
        return F.relu(x).sum(dim=(2, 3))

    def forward(self, x: Tensor, onehot: Tensor | None = None) -> Tensor:
        phi = self.features(x)
        out = self.linear(phi)
        if self.embed is not None:
            projection = (self.embed(onehot.to(phi.dtype)) * phi).sum(dim=1)
            out = torch.cat([out[:, :1] + projection[:, None], out[:, 1:]], dim=1)
        return out[:, 0] if out.shape[1] == 1 else out


def biggan_generator(
    data_shape: Sequence[int],
    input_width: int,
    classes: int | None,
    width: int = 256,
    shared_dim: int = 128,
    attention: int = 16,
) -> nn.Module:
    """BigGAN's G for `data_shape`, reading `input_width` = latent size + `classes` inputs."""
    if classes is None:
        raise GenlabError(
            "BigGAN's generator is class-conditional but the dataset declares no num_classes; use a labelled "
            "dataset (digits, mnist, fashion_mnist, cifar10)"
        )
    side, built = residual_side(data_shape, "BigGAN's generator")
    net = BigGANGenerator(int(data_shape[0]), built, input_width - classes, classes, width, shared_dim, attention)
    return writing(net, side, built)


def projection_discriminator(
    data_shape: Sequence[int], outputs: int = 1, classes: int | None = None, width: int = 256, attention: int = 16
) -> nn.Module:
    """The projection D for `data_shape`; `classes` (given by the conditioning) adds the projection."""
    side, built = residual_side(data_shape, "The projection discriminator")
    return reading(ProjectionDiscriminator(int(data_shape[0]), built, outputs, classes, width, attention), side, built)
