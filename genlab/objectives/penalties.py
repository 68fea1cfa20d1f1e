"""Weighted regularisers an autoencoder can carry, selected by config (`model/penalty=...`).

Each is called with the encoder, the (possibly corrupted) input and its code, and returns the
weighted term to add to the loss; the module logs it under its config key.
"""

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor

from genlab.objectives.contractive import contractive_penalty
from genlab.objectives.sparsity import kl_sparsity, l1_activity

Encoder = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class ActivityL1:
    """λ·Σ|h_j|: L1 penalty on hidden activity."""

    weight: float = 1e-3

    def __call__(self, encode: Encoder, x: Tensor, code: Tensor) -> Tensor:
        return self.weight * l1_activity(code)


@dataclass(frozen=True)
class KLSparsity:
    """β·Σ_j KL(ρ‖ρ̂_j): the mean activation of each unit is pulled towards ρ."""

    rho: float = 0.05
    weight: float = 1.0

    def __call__(self, encode: Encoder, x: Tensor, code: Tensor) -> Tensor:
        return self.weight * kl_sparsity(code, self.rho)


@dataclass(frozen=True)
class Contractive:
    """λ·‖J_f(x)‖²_F: the code is made insensitive to small moves of the input."""

    weight: float = 0.1

    def __call__(self, encode: Encoder, x: Tensor, code: Tensor) -> Tensor:
        return self.weight * contractive_penalty(encode, x)
