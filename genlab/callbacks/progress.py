"""The rich progress bar, showing the model's `progress_terms` of the latest training batch.

The bar reads them from the module (`GenerativeModule.training_terms.last`) when it redraws,
instead of the module handing each to `self.log(prog_bar=True)` on every batch: that call costs
about 0.25 ms on the CPU, and with the bar on it was the largest per-step cost genlab added to a
VAE's 29-ms step. Under DDP the bar (rank 0's) shows rank 0's batch, with no collective a step.
"""

import lightning as L
from lightning.pytorch.callbacks import RichProgressBar

from genlab.models.base import GenerativeModule


class TermsProgressBar(RichProgressBar):
    def get_metrics(self, trainer: L.Trainer, pl_module: GenerativeModule) -> dict:
        """Lightning's items (epoch means, validation terms, `v_num`) and the latest batch's
        shown terms as `train/<term>_step`, the names TensorBoard gives them."""
        shown = {
            f"train/{key}_step": float(value)
            for key, value in pl_module.training_terms.last.items()
            if key in pl_module.progress_terms
        }
        return {**super().get_metrics(trainer, pl_module), **shown}
