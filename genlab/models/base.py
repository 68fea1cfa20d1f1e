"""What every genlab LightningModule shares: data shape, optimiser, the logging of training and
validation terms, and `require`, which refuses a model lacking a capability
(`genlab/models/capabilities.py`) in one line.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import partial

import lightning as L
import torch
from lightning.pytorch.plugins.precision import MixedPrecision
from torch import Tensor
from torch.optim import Optimizer
from torchmetrics.functional.image import peak_signal_noise_ratio

from genlab.errors import GenlabError
from genlab.metrics.ssim import ssim
from genlab.models.terms import TrainingTerms, ValidationMeans, logger_writes_now
from genlab.objectives.reconstruction import output_to_image, reconstruction_nll

OptimizerFactory = Callable[[Iterable[torch.nn.Parameter]], Optimizer]
TERMS_KEY = "genlab_training_terms"  # the checkpoint entry of the epoch's running training terms


class GenerativeModule(L.LightningModule):
    """Data shape, optimiser factory and the validation logging every family shares."""

    # Models whose optimiser steps each use only part of the parameters (a GAN's critic steps leave
    # G idle) set this; DDP then looks for unused parameters.
    ddp_find_unused_parameters: bool = False
    # What `genlab train` returns for sweepers to optimise when `optimized_metric` is not set.
    default_optimized_metric: str | None = "val/loss"
    # The logged terms the progress bar shows (a GAN's two players each have a loss).
    progress_terms: tuple[str, ...] = ("loss",)
    # Classes the model is conditioned on; sample grids then show one class per row.
    categories: int | None = None

    def __init__(self, name: str, data_shape: Sequence[int], optimizer: OptimizerFactory | None = None) -> None:
        super().__init__()
        self.model_name = name
        self.data_shape = tuple(int(s) for s in data_shape)
        self.optimizer_factory = optimizer or partial(torch.optim.Adam, lr=1e-3, fused=True)
        self.training_terms = TrainingTerms()
        self.validation_means = ValidationMeans()
        self.validation_batch_size = 1  # the examples in the validation batch at hand

    @property
    def images(self) -> bool:
        return len(self.data_shape) == 3

    def configure_optimizers(self) -> Optimizer:
        return self.build_optimizer(self.parameters())

    def build_optimizer(self, params: Iterable[torch.nn.Parameter], **overrides: object) -> Optimizer:
        """An optimiser from the configured factory, for every family's `configure_optimizers`.

        genlab's Adam configs ask for the fused kernel (`fused: true`: one kernel over every tensor;
        a VAE's Adam step on the CPU takes 0.24 ms instead of 0.97). A fused optimiser unscales fp16
        gradients inside `step()`, so under Lightning's mixed-precision plugin the gradients that
        clipping and the gradient-norm hooks read would still be scaled, and Lightning refuses to
        clip them: there the optimiser is built unfused (same update, per-tensor kernels).
        """
        if isinstance(self.trainer.precision_plugin, MixedPrecision) and asks_fused(self.optimizer_factory):
            overrides["fused"] = False
        return self.optimizer_factory(params, **overrides)

    def grid_nrow(self, n: int) -> int | None:
        """Images per row that put one category per row; None: the caller's default (√n)."""
        return None if self.categories is None else max(1, n // self.categories)

    def log_reconstruction(self, stage: str, x: Tensor, recon: Tensor) -> None:
        """Per-value MSE in data space, comparable across models and with the PCA baseline; for
        images also PSNR (torchmetrics) and SSIM (genlab.metrics.ssim, torchmetrics' definition),
        data range 1, averaged over batches."""
        terms = {"mse": torch.nn.functional.mse_loss(recon, x)}
        if x.dim() == 4:
            terms |= {"psnr": peak_signal_noise_ratio(recon, x, data_range=1.0), "ssim": ssim(recon, x)}
        self.log_terms(stage, terms)

    def validate_autoencoding(self, x: Tensor, out: Tensor, loss_kind: str) -> None:
        """Validation of a deterministic autoencoder: its reconstruction loss is `val/loss`."""
        recon = reconstruction_nll(out, x, loss_kind).mean()
        self.log_terms("val", {"loss": recon, "recon": recon})
        self.log_reconstruction("val", x, output_to_image(out, loss_kind))

    def log_terms(self, stage: str, terms: dict[str, Tensor]) -> None:
        """Log a batch's terms as `<stage>/<term>`, kept by genlab (`genlab/models/terms.py` says
        why): training's in `TrainingTerms`, which hands Lightning the step values only when it
        writes them (the progress bar, `genlab.callbacks.progress`, reads the latest from
        `training_terms` itself); validation's in `ValidationMeans`, handed over as epoch means
        when the validation run ends."""
        if stage == "train":
            self._log_training_terms(terms)
        else:
            named = {f"{stage}/{key}": value for key, value in terms.items()}
            self.validation_means.add(named, self.validation_batch_size)

    def _log_training_terms(self, terms: dict[str, Tensor]) -> None:
        self.training_terms.add(self.current_epoch, terms)
        if logger_writes_now(self.trainer):
            for key, value in terms.items():
                self.log(f"train/{key}_step", value, on_step=True, on_epoch=False, sync_dist=True)

    def on_train_epoch_end(self) -> None:
        for key, mean in self.training_terms.means(self.current_epoch).items():
            shown = key in self.progress_terms
            self.log(f"train/{key}_epoch", mean, on_step=False, on_epoch=True, prog_bar=shown, sync_dist=True)
            self.log(f"train/{key}", mean, on_step=False, on_epoch=True, logger=False, sync_dist=True)

    def on_validation_epoch_start(self) -> None:
        self.validation_means.reset()

    def on_validation_batch_start(self, batch: Sequence[Tensor], batch_idx: int, dataloader_idx: int = 0) -> None:
        self.validation_batch_size = len(batch[0])

    def on_validation_epoch_end(self) -> None:
        """The run's means, summed over the ranks here, so Lightning need not sync them again."""
        total = partial(self.trainer.strategy.reduce, reduce_op="sum")
        for key, mean in self.validation_means.means(total).items():
            shown = key.split("/", 1)[1] in self.progress_terms
            self.log(key, mean, on_step=False, on_epoch=True, prog_bar=shown)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint[TERMS_KEY] = self.training_terms.state_dict()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if TERMS_KEY in checkpoint:
            self.training_terms.load_state_dict(checkpoint[TERMS_KEY])


def asks_fused(factory: OptimizerFactory) -> bool:
    """Whether a configured optimiser (Hydra's `_partial_: true` gives a `functools.partial`) asks
    for the fused kernel."""
    return isinstance(factory, partial) and bool(factory.keywords.get("fused"))


def require(model: GenerativeModule, capability: type, purpose: str) -> None:
    """Refuse, in one line, a model that lacks the capability `purpose` needs."""
    if not isinstance(model, capability):
        raise GenlabError(
            f"model '{model.model_name}' has no {capability.__name__} capability, so it cannot give {purpose}"
        )
