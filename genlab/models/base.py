"""What every genlab LightningModule shares: its data shape, optimiser factory and val metrics.

Callbacks and `genlab sample` talk to models through a few optional methods, found by duck
typing: `sample(n, generator)` and `decode(z)` with `latent_dim` (models with a N(0, I) prior:
interpolation, truncation), `reconstruct(x)` (models with an encoder), and `encode_mean(x)`
(latent traversals). All return images in [0, 1].
"""

from collections.abc import Callable, Iterable, Sequence
from functools import partial

import lightning as L
import torch
from torch import Tensor
from torch.optim import Optimizer
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from genlab.objectives.reconstruction import output_to_image, reconstruction_nll

OptimizerFactory = Callable[[Iterable[torch.nn.Parameter]], Optimizer]


class GenerativeModule(L.LightningModule):
    def __init__(self, name: str, data_shape: Sequence[int], optimizer: OptimizerFactory | None = None) -> None:
        super().__init__()
        self.model_name = name
        self.data_shape = tuple(int(s) for s in data_shape)
        self.optimizer_factory = optimizer or partial(torch.optim.Adam, lr=1e-3)

    def configure_optimizers(self) -> Optimizer:
        return self.optimizer_factory(self.parameters())

    def grid_nrow(self, n: int) -> int | None:
        """Images per row that suit this model's sample grids; None: the caller's default (√n)."""
        return None

    def log_reconstruction(self, stage: str, x: Tensor, recon: Tensor) -> None:
        """Per-value MSE in data space, comparable across models and with the PCA baseline; for
        images also PSNR and SSIM (torchmetrics, data range 1), averaged over batches."""
        self.log(f"{stage}/mse", torch.nn.functional.mse_loss(recon, x), sync_dist=True)
        if x.dim() == 4:
            self.log(f"{stage}/psnr", peak_signal_noise_ratio(recon, x, data_range=1.0), sync_dist=True)
            self.log(f"{stage}/ssim", structural_similarity_index_measure(recon, x, data_range=1.0), sync_dist=True)

    def validate_autoencoding(self, x: Tensor, out: Tensor, loss_kind: str) -> None:
        """Validation of a deterministic autoencoder: its reconstruction loss is `val/loss`."""
        recon = reconstruction_nll(out, x, loss_kind).mean()
        self.log_terms("val", {"loss": recon, "recon": recon})
        self.log_reconstruction("val", x, output_to_image(out, loss_kind))

    def log_terms(self, stage: str, terms: dict[str, Tensor]) -> None:
        on_step = stage == "train"
        for key, value in terms.items():
            self.log(f"{stage}/{key}", value, on_step=on_step, on_epoch=True, prog_bar=key == "loss", sync_dist=True)
