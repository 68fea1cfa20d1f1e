"""Path-length regularisation of a style-based generator (Karras et al., StyleGAN2).

For images g(w) and a random image-space direction y ~ N(0, I)/√(H·W), the length
‖J_wᵀ y‖ — J the Jacobian of g at w, taken per style input and averaged over them — should be
the same for every w: a fixed-size step in W then changes the image by a fixed amount. The
penalty is E[(‖J_wᵀ y‖ − a)²], where a is the running mean of the lengths (decay 0.01 per due
step). Like D's regularisers it is lazy: due every `every` generator steps, scaled by `every`,
on a smaller batch (`batch_shrink`), and it joins G's ordinary step.
"""

import math

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.objectives.regularisers import Regulariser


def path_lengths(images: Tensor, ws: Tensor) -> Tensor:
    """‖J_wᵀ y‖ per sample for images (B, C, H, W) = g(ws), ws (B, num_ws, w_dim) in the graph."""
    y = torch.randn_like(images) / math.sqrt(images.shape[2] * images.shape[3])
    (grad,) = torch.autograd.grad((images * y).sum(), ws, create_graph=True)
    return grad.square().sum(dim=2).mean(dim=1).sqrt()


class PathLength(Regulariser, nn.Module):
    """The penalty with its running mean a, a buffer: it is in the checkpoint, so resume is exact."""

    def __init__(self, weight: float = 2.0, every: int = 4, decay: float = 0.01, batch_shrink: int = 2) -> None:
        nn.Module.__init__(self)
        Regulariser.__init__(self, weight, every)
        if not 0 < decay <= 1 or batch_shrink < 1:
            raise GenlabError(
                f"PathLength(decay={decay}, batch_shrink={batch_shrink}): the decay must be in (0, 1] and the "
                "batch shrink a whole number ≥ 1"
            )
        self.decay, self.batch_shrink = decay, int(batch_shrink)
        self.register_buffer("mean", torch.zeros(()))

    def batch(self, batch: int) -> int:
        return max(1, batch // self.batch_shrink)

    def penalty_of(self, images: Tensor, ws: Tensor) -> Tensor:
        """The unweighted penalty on a due step; moves the running mean towards this batch's lengths."""
        lengths = path_lengths(images, ws)
        with torch.no_grad():
            self.mean.copy_(self.mean.lerp(lengths.detach().mean().to(self.mean.dtype), self.decay))
        return (lengths - self.mean).square().mean()
