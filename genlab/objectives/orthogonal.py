"""BigGAN's orthogonal regularisation (Brock et al., 2019, eq. 3):

    R_β(W) = β ‖W Wᵀ ⊙ (1 − I)‖²_F

with W a layer's weight as a matrix of one row per output (filter). Unlike the full orthogonality
penalty ‖W Wᵀ − I‖², it leaves the filters' norms free and only pushes different filters towards
orthogonality, which the paper found makes G amenable to truncation: small changes of z change
the image smoothly. Summed over G's weight matrices and convolution kernels; the parameters the
caller names (the shared class embedding) are left out, as in the authors' code.
"""

from collections.abc import Iterable

import torch
from torch import Tensor, nn


def off_diagonal_gram(weight: Tensor) -> Tensor:
    """‖W Wᵀ ⊙ (1 − I)‖²_F for the weight reshaped to (outputs, everything else)."""
    matrix = weight.reshape(weight.shape[0], -1)
    gram = matrix @ matrix.T
    return (gram - torch.diag(torch.diagonal(gram))).square().sum()


def orthogonal_penalty(module: nn.Module, skip: Iterable[str] = ()) -> Tensor:
    """Σ over the module's parameters of two or more dimensions (not those whose name contains a
    `skip` entry) of `off_diagonal_gram`. Spectrally normalised layers are penalised on their
    stored, unnormalised weight, which is what the optimiser moves."""
    skip = tuple(skip)
    weights = [
        parameter
        for name, parameter in module.named_parameters()
        if parameter.dim() >= 2 and not any(part in name for part in skip)
    ]
    return torch.stack([off_diagonal_gram(weight) for weight in weights]).sum()
