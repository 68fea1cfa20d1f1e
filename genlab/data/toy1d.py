"""1-D data with a known density: a mixture of Gaussians on the line, for the lecture's picture of
the optimal discriminator D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al., Prop. 1),
which needs p_data exactly. Labels are the component each point came from."""

from collections.abc import Sequence

import torch
from torch import Tensor
from torch.distributions import Categorical, MixtureSameFamily, Normal

from genlab.data.base import KnownDensity, TensorDataModule
from genlab.errors import GenlabError


class Toy1dDataModule(TensorDataModule, KnownDensity):
    def __init__(
        self,
        means: Sequence[float] = (-2.0, 2.0),
        stds: Sequence[float] = (0.5, 0.5),
        n_samples: int = 20_000,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.means, self.stds = [float(m) for m in means], [float(s) for s in stds]
        if not self.means or len(self.means) != len(self.stds) or min(self.stds) <= 0:
            raise GenlabError(
                f"dataset.means={self.means}, dataset.stds={self.stds}: give one positive σ per component mean"
            )
        self.n_samples = n_samples
        self.mixture = MixtureSameFamily(
            Categorical(torch.ones(len(self.means))), Normal(torch.tensor(self.means), torch.tensor(self.stds))
        )

    def density(self, x: Tensor) -> Tensor:
        return self.mixture.log_prob(x).exp()

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        generator = torch.Generator().manual_seed(self.seed)
        component = torch.randint(len(self.means), (self.n_samples,), generator=generator)
        noise = torch.randn(self.n_samples, generator=generator)
        x = torch.tensor(self.means)[component] + torch.tensor(self.stds)[component] * noise
        return x[:, None], component
