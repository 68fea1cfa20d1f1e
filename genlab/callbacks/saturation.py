"""Discriminator-saturation alarm: every validation epoch, D's accuracy on held-out real images
against fresh samples (`metrics/d_accuracy`), for models whose objective has a decision
threshold. Near 1, G's gradients vanish; the alarm warns in one line with the usual remedies."""

import lightning as L
import torch
from lightning.pytorch.utilities import rank_zero_warn

from genlab.data.base import first_examples
from genlab.models.base import GenerativeModule
from genlab.models.capabilities import Discriminates, Samples


class DiscriminatorSaturation(L.Callback):
    def __init__(self, alarm: float = 0.99, n: int = 250) -> None:
        self.alarm = alarm
        self.n = n

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: GenerativeModule) -> None:
        if trainer.sanity_checking or not (isinstance(pl_module, Discriminates) and isinstance(pl_module, Samples)):
            return
        threshold = pl_module.decision_threshold
        if threshold is None:
            return
        real = first_examples(trainer.datamodule.val_set, self.n).to(pl_module.device)
        with torch.no_grad():
            d_real, d_fake = pl_module.score(real), pl_module.score(pl_module.sample(len(real)))
        if d_real is None:
            return
        accuracy = 0.5 * float((d_real > threshold).float().mean() + (d_fake <= threshold).float().mean())
        pl_module.log("metrics/d_accuracy", accuracy, sync_dist=True)
        if accuracy > self.alarm:
            rank_zero_warn(
                f"genlab: discriminator saturated at step {trainer.global_step}: accuracy {accuracy:.3f} > "
                f"{self.alarm}; the generator's gradients vanish (try instance noise, label smoothing or a lower lr_d)"
            )
