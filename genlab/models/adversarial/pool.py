"""The image pool of Shrivastava et al. (2017), as CycleGAN uses it: D is shown generated images
drawn half from the current batch and half from a history of earlier ones, so it cannot forget
what G produced a few hundred steps ago and the two players oscillate less.

The history is a buffer of the module, so it is in every checkpoint: a resumed run shows D the
same old images an uninterrupted one would (the reference implementation starts an empty pool on
resume). The draws come from the global RNG, which genlab's checkpoints restore.
"""

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError


class ImagePool(nn.Module):
    def __init__(self, size: int, shape: Sequence[int]) -> None:
        super().__init__()
        if size < 0:
            raise GenlabError(f"model.pool_size={size} must be ≥ 0 (0: no history; CycleGAN: 50)")
        self.size = int(size)
        self.register_buffer("images", torch.zeros(self.size, *shape))
        self.register_buffer("stored", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def query(self, images: Tensor) -> Tensor:
        """The batch D sees: while the pool fills, the new images (which it keeps); then each
        image is, with probability ½, swapped for a random stored one (which it replaces)."""
        if self.size == 0:
            return images
        out = images.clone()
        for i, image in enumerate(images.detach()):
            stored = int(self.stored)
            if stored < self.size:
                self.images[stored] = image
                self.stored += 1
            elif torch.rand(()) < 0.5:
                slot = int(torch.randint(self.size, ()))
                out[i] = self.images[slot].to(out.dtype)
                self.images[slot] = image
        return out
