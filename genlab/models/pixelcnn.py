"""PixelCNN family: an autoregressive image model with an exact likelihood.

The network (`genlab/nn/pixelcnn.py`: plain masked convolutions or the gated stacks;
`genlab/nn/pixelrnn.py`: PixelRNN's Row LSTM or Diagonal BiLSTM) outputs,
for every pixel and channel, a distribution over its discrete values given all earlier ones.
Pixels are quantised to `levels` values: 256 (8-bit, a softmax per value) or 2 (binarised at
0.5, a Bernoulli logit). Training minimises the exact negative log-likelihood, logged in nats
per image (`nll`) and bits per dimension (`bits_per_dim`), the numbers likelihood papers report.
Sampling is sequential: one network pass per pixel and channel, H·W·C passes per batch, each
on the window of rows that can reach the current one (`rows_seen` of the network, exact: rows
further up or below cannot change the prediction), with a progress bar over rows on a terminal.
With `model/labels=classes` the network models p(x | y): `nll` and `bits_per_dim` are then
−log p(x | y) given each image's class, samples show one class per row, and the likelihood
capability's −log p(x) is the exact marginal over a uniform class prior.
"""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from genlab.analysis.receptive_field import seen_inputs
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import HasLikelihood, Samples, ShowsContext, bits_per_dim
from genlab.models.labels import Unlabelled

NetworkFactory = Callable[..., nn.Module]


class PixelCNN(GenerativeModule, Samples, HasLikelihood, ShowsContext):
    likelihood_is_exact = True

    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        network: NetworkFactory,
        levels: int = 2,
        labels: Unlabelled | None = None,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        self.levels = levels
        self.labels = labels or Unlabelled()
        self.categories = self.labels.categories
        self.network = network(self.data_shape, levels=1 if levels == 2 else levels, classes=self.labels.embeddings)

    def quantise(self, x: Tensor) -> Tensor:
        """Images in [0, 1] → integer values 0 … levels − 1 (binarised at 0.5 for 2 levels)."""
        return (x * (self.levels - 1)).round().long()

    def network_input(self, values: Tensor) -> Tensor:
        return values.float() / (self.levels - 1) * 2 - 1

    def negative_log_likelihood(self, x: Tensor) -> Tensor:
        """−log p(x) in nats per example, exact."""
        return self.labels.marginal_nll(lambda labels: self.conditional_nll(x, labels), len(x), x.device)

    def conditional_nll(self, x: Tensor, labels: Tensor | None) -> Tensor:
        """−log p(x | labels) in nats per example (−log p(x) for an unconditional network)."""
        values = self.quantise(x)
        out = self.network(self.network_input(values), labels)
        if self.levels == 2:
            nll = nn.functional.binary_cross_entropy_with_logits(out, values.float(), reduction="none")
        else:
            nll = nn.functional.cross_entropy(out, values, reduction="none")
        return nll.flatten(1).sum(1)

    def log_likelihood_terms(self, stage: str, x: Tensor, labels: Tensor | None) -> Tensor:
        nll = self.conditional_nll(x, labels)
        bits = bits_per_dim(nll, x[0].numel())
        # the optimised loss is the NLL per dimension (in nats), so learning rates do not depend on the image size
        terms = {"loss": nll.mean() / x[0].numel(), "nll": nll.mean(), "bits_per_dim": bits.mean()}
        self.log_terms(stage, terms)
        return terms["loss"]

    def training_step(self, batch: Sequence[Tensor], batch_idx: int) -> Tensor:
        return self.log_likelihood_terms("train", batch[0], self.labels.training_labels(batch[1]))

    def validation_step(self, batch: Sequence[Tensor], batch_idx: int) -> None:
        self.log_likelihood_terms("val", batch[0], self.labels.given_labels(batch[1]))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        channels, height, width = self.data_shape
        values = torch.zeros(n, channels, height, width, dtype=torch.long, device=self.device)
        labels = self.labels.sampling_labels(n, self.device)
        was_training = self.network.training
        self.network.eval()
        try:
            for row in tqdm(range(height), desc=f"{self.model_name} rows", leave=False, disable=None):
                top = max(0, row - self.network.rows_seen)
                window = values[:, :, top : row + 1]  # a view: each drawn value lands in `values`
                for column in range(width):
                    for channel in range(channels):
                        out = self.network(self.network_input(window), labels)
                        values[:, channel, row, column] = self.draw_pixel(out, channel, row - top, column, generator)
        finally:
            self.network.train(was_training)
        return values.float() / (self.levels - 1)

    def context(self, row: int, column: int) -> Tensor:
        """Read off the network by autograd (an unconditional pass: a class shifts every pixel
        alike and adds no pixel to the context)."""
        with torch.enable_grad():
            return seen_inputs(self.network, self.data_shape, row, column)

    def draw_pixel(self, out: Tensor, channel: int, row: int, column: int, generator: torch.Generator | None) -> Tensor:
        """One value per example at (channel, row, column) of the network output `out`, drawn from
        the predicted distribution (on the CPU generator, so a seed gives the same draw anywhere)."""
        if self.levels == 2:
            p = torch.sigmoid(out[:, channel, row, column]).cpu()
            return (torch.rand(p.shape, generator=generator) < p).long().to(out.device)
        probabilities = torch.softmax(out[:, channel, :, row, column], dim=1).cpu()
        return torch.multinomial(probabilities, 1, generator=generator).squeeze(1).to(out.device)
