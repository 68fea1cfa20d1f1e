"""Deepfakes' networks: one encoder shared by two identities and a decoder for each. The plain
face swap (`genlab/models/faceswap.py`) trains them with L1 alone; faceswap-GAN
(`genlab/models/adversarial/faceswap_gan.py`) makes them the generator of a game. Keeping them one
module is what keeps the two families' networks — and so their swaps — the same."""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

PartFactory = Callable[[Sequence[int], int], nn.Module]  # (data shape, code size) → encoder or decoder
Warp = Callable[[Tensor], Tensor]


class SharedEncoderPair(nn.Module):
    """`forward(x, identity)`: images in [0, 1] through the shared encoder and `identity`'s ("A"
    or "B") decoder — a rebuild when x is that identity's face, a swap when it is the other's."""

    def __init__(
        self,
        b_shape: Sequence[int],
        a_shape: Sequence[int],
        encoder: PartFactory,
        decoder: PartFactory,
        latent_dim: int,
    ) -> None:
        super().__init__()
        self.encoder = encoder(b_shape, latent_dim)
        self.decoders = nn.ModuleDict({"A": decoder(a_shape, latent_dim), "B": decoder(b_shape, latent_dim)})

    def forward(self, x: Tensor, identity: str) -> Tensor:
        return torch.sigmoid(self.decoders[identity](self.encoder(x)))


def faces(batch: list[Tensor]) -> dict[str, Tensor]:
    """Each identity's faces in an unpaired batch `(b, a)` (CycleGAN's layout)."""
    return {"A": batch[1], "B": batch[0]}


def warped(x: Tensor, warp: Warp | None) -> Tensor:
    return x if warp is None else warp(x)
