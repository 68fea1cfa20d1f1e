"""What the regularised autoencoders' penalties do to the code, measured on the encoder itself: the
distribution of code activations (a sparse AE's sit near 0 for most inputs) and of each input's
encoder Jacobian norm ‖∂h/∂x‖_F (a contractive AE's are small: the code barely moves when the
input does)."""

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from genlab.analysis.plotting import pyplot


def jacobian_norms(encode: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """‖∂encode(x)/∂x‖_F for each example of the batch, by one vectorised reverse-mode pass each."""

    def one(example: Tensor) -> Tensor:
        return encode(example[None])[0]

    jacobians = torch.func.vmap(torch.func.jacrev(one))(x)
    return jacobians.flatten(1).norm(dim=1)


def activation_figure(codes: Tensor, norms: Tensor, title: str, out: Path) -> None:
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    left.hist(codes.flatten().numpy(), bins=50, color="tab:blue")
    left.set(xlabel="code activation h_j(x)", ylabel="count (all codes, all examples)", yscale="log")
    right.hist(norms.numpy(), bins=30, color="tab:orange")
    right.set(xlabel="‖∂h/∂x‖_F of an example", ylabel="examples")
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(out, dpi=100)
    plt.close(figure)
