"""Which input pixels reach an autoregressive network's prediction of one pixel: the lecture's
pictures of PixelCNN's blind spot, the gated stacks' full context, the Row LSTM's triangle and
the Diagonal BiLSTM's whole context, read off the network itself by autograd.

A pixel is seen when the gradient of the prediction with respect to it is non-zero for some of
eight random inputs (one input can zero a seen pixel's gradient through dead ReLUs; eight
together do not), so the picture is what the weights compute, not what the design intends.
"""

import torch
from torch import Tensor, nn

SEEN, CURRENT, UNSEEN_PAST = (0.55, 0.55, 0.55), (0.85, 0.1, 0.1), (0.0, 0.0, 0.0)


def seen_inputs(network: nn.Module, shape: tuple[int, int, int], row: int, column: int) -> Tensor:
    """(H, W) booleans: the input pixels (any channel) of images of `shape` (C, H, W) whose
    values change the network's output for the first channel at (row, column)."""
    generator = torch.Generator().manual_seed(0)
    device = next(network.parameters()).device
    x = torch.randn(8, *shape, generator=generator).to(device).requires_grad_()
    out = network(x)
    picked = out[:, 0, :, row, column] if out.dim() == 5 else out[:, 0, row, column]
    (gradient,) = torch.autograd.grad(picked.sum(), x)
    return (gradient.abs().sum((0, 1)) > 0).cpu()


def context_picture(seen: Tensor, row: int, column: int) -> Tensor:
    """(3, H, W) in [0, 1]: seen pixels grey, the predicted one red, everything else white
    where it is in the future and black where it is in the past but unseen (a blind spot)."""
    height, width = seen.shape
    order = torch.arange(height * width).view(height, width)
    past = order < row * width + column
    picture = torch.ones(3, height, width)
    for mask, colour in ((past & ~seen, UNSEEN_PAST), (seen, SEEN)):
        picture[:, mask] = torch.tensor(colour)[:, None]
    picture[:, row, column] = torch.tensor(CURRENT)
    return picture
