"""Logs `val/pca_mse` beside the model's `val/mse`: PCA with as many components as latents
(for models that encode and reconstruct)."""

import lightning as L

from genlab.data.base import first_examples
from genlab.metrics.pca import pca_reconstruction_mse
from genlab.models.capabilities import Encodes, Reconstructs


class PCABaseline(L.Callback):
    def __init__(self, max_examples: int = 5000) -> None:
        self.max_examples = max_examples
        self.mse: float | None = None

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = trainer.datamodule
        if not (isinstance(pl_module, Encodes) and isinstance(pl_module, Reconstructs)) or datamodule is None:
            return
        train = first_examples(datamodule.train_set, self.max_examples).numpy()
        val = first_examples(datamodule.val_set, self.max_examples).numpy()
        self.mse = pca_reconstruction_mse(train, val, pl_module.latent_dim)

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.mse is not None and not trainer.sanity_checking:
            pl_module.log("val/pca_mse", self.mse)
