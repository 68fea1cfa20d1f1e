"""InfoGAN's structured latent codes (Chen et al.): their prior, their layout in G's input, and
the variational mutual-information term.

G receives [z, onehot(c_1), …, onehot(c_k), u] with categorical codes c_i ~ Cat(K_i) and
continuous codes u ~ U(−1, 1). The recognition network Q (extra output units of D, sharing its
body) predicts them back from G's samples; minimising −E[log Q(c | G(z, c))] over G and Q
maximises the lower bound L_I = H(c) − that cross-entropy on I(c; G(z, c)). Continuous codes are
modelled as a Gaussian with unit variance, so their term is ½(u − μ)² up to a constant; the paper
weights it below the categorical term.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from genlab.errors import GenlabError


@dataclass(frozen=True)
class CodeSample:
    categorical: Tensor  # (N, number of categorical codes), integer values
    continuous: Tensor  # (N, number of continuous codes), in [−1, 1]


class LatentCodes:
    def __init__(
        self,
        categorical: Sequence[int] = (),
        continuous: int = 0,
        categorical_weight: float = 1.0,
        continuous_weight: float = 0.1,
    ) -> None:
        self.categorical = tuple(int(k) for k in categorical)
        self.continuous = int(continuous)
        if any(k < 2 for k in self.categorical) or self.continuous < 0 or not (self.categorical or self.continuous):
            raise GenlabError(
                f"model.codes={{categorical: {list(self.categorical)}, continuous: {self.continuous}}}: give at "
                "least one code; categorical sizes must be ≥ 2 (e.g. categorical: [10], continuous: 2)"
            )
        self.categorical_weight = categorical_weight
        self.continuous_weight = continuous_weight

    @property
    def dim(self) -> int:
        """Width of the codes in G's input, which is also the width of Q's output."""
        return sum(self.categorical) + self.continuous

    def sample(self, n: int, device: torch.device | None = None) -> CodeSample:
        draws = [torch.randint(k, (n, 1), device=device) for k in self.categorical]
        categorical = torch.cat(draws, 1) if draws else torch.zeros(n, 0, dtype=torch.long, device=device)
        continuous = torch.rand(n, self.continuous, device=device) * 2 - 1
        return CodeSample(categorical, continuous)

    def rows(self, first: Tensor) -> CodeSample:
        """Codes for a picture: the first categorical code set to `first`, every other code at its
        first value (categorical) or 0 (continuous)."""
        categorical = torch.zeros(len(first), len(self.categorical), dtype=torch.long, device=first.device)
        categorical[:, 0] = first
        return CodeSample(categorical, torch.zeros(len(first), self.continuous, device=first.device))

    def vector(self, codes: CodeSample) -> Tensor:
        one_hots = [F.one_hot(codes.categorical[:, i], k).float() for i, k in enumerate(self.categorical)]
        return torch.cat([*one_hots, codes.continuous], dim=1)

    def split_prediction(self, q: Tensor) -> tuple[list[Tensor], Tensor]:
        """Q's output → (logits per categorical code, means of the continuous codes)."""
        logits = list(torch.split(q[:, : sum(self.categorical)], self.categorical, dim=1)) if self.categorical else []
        return logits, q[:, sum(self.categorical) :]

    def information_loss(self, q: Tensor, codes: CodeSample) -> Tensor:
        logits, means = self.split_prediction(q)
        loss = q.new_zeros(())
        for i, code_logits in enumerate(logits):
            loss = loss + self.categorical_weight * F.cross_entropy(code_logits, codes.categorical[:, i])
        if self.continuous:
            loss = loss + self.continuous_weight * 0.5 * ((means - codes.continuous) ** 2).sum(1).mean()
        return loss

    def first_code_accuracy(self, q: Tensor, codes: CodeSample) -> Tensor:
        """How often Q recovers the first categorical code (chance: 1/K)."""
        logits, _ = self.split_prediction(q)
        return (logits[0].argmax(1) == codes.categorical[:, 0]).float().mean()
