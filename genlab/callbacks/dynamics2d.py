"""The lecture's picture of GAN training on 2-D data: G transports noise onto the data while D's
decision surface moves under it.

Each validation epoch writes `images/dynamics/step_*.png` (D's output as a colour map, real
points, generated points) and logs mode coverage (`val/modes_covered`, `val/high_quality`,
`val/mode_kl`: `genlab/metrics/modes.py`) when the dataset has known modes; at the end of
training the frames become `images/dynamics.gif`.
Acts for models that sample 2-D points; D's surface is drawn for models that declare
`Discriminates` and whose D needs nothing beside x. Files are written on global rank 0 only.
"""

from pathlib import Path

import lightning as L
import torch

from genlab.analysis.plotting import pyplot
from genlab.callbacks.frames import FrameSeries
from genlab.data.base import first_examples
from genlab.metrics.modes import mode_coverage
from genlab.models.base import GenerativeModule
from genlab.models.capabilities import Discriminates, Samples


class Dynamics2D(FrameSeries):
    tag = "dynamics"

    def __init__(
        self,
        output_dir: str,
        every_n_epochs: int = 1,
        n_samples: int = 1000,
        extent: float = 3.0,
        radius: float = 0.2,
        min_count: int = 20,
        frame_ms: int = 300,
    ) -> None:
        super().__init__(output_dir, frame_ms)
        self.every_n_epochs = every_n_epochs
        self.n_samples = n_samples
        self.extent = extent
        self.radius = radius
        self.min_count = min_count

    @staticmethod
    def applies_to(pl_module: GenerativeModule) -> bool:
        return pl_module.data_shape == (2,) and isinstance(pl_module, Samples)

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: GenerativeModule) -> None:
        due = (trainer.current_epoch + 1) % self.every_n_epochs == 0
        if trainer.sanity_checking or not due or not self.applies_to(pl_module):
            return
        with torch.no_grad():
            fake = pl_module.sample(self.n_samples, generator=torch.Generator().manual_seed(0)).cpu()
        modes = trainer.datamodule.modes
        if modes is not None and len(modes):
            coverage = mode_coverage(fake, modes, self.radius, self.min_count)
            pl_module.log("val/modes_covered", float(coverage.modes_covered))
            pl_module.log("val/high_quality", coverage.high_quality)
            pl_module.log("val/mode_kl", coverage.kl)
        if trainer.is_global_zero:
            self.plot(trainer, pl_module, fake)

    def plot(self, trainer: L.Trainer, pl_module: GenerativeModule, fake: torch.Tensor) -> Path:
        axis = torch.linspace(-self.extent, self.extent, 120)
        grid = torch.cartesian_prod(axis, axis)
        surface = None
        if isinstance(pl_module, Discriminates):
            with torch.no_grad():
                surface = pl_module.score(grid.to(pl_module.device))
        real = first_examples(trainer.datamodule.val_set, 1000)
        fig, ax = pyplot().subplots(figsize=(5, 5), dpi=80)
        if surface is not None:  # D that needs labels or codes beside x has no single surface
            image = surface.cpu().view(120, 120).T
            ax.imshow(image, origin="lower", extent=(-self.extent, self.extent) * 2, cmap="coolwarm", alpha=0.8)
        ax.scatter(real[:, 0], real[:, 1], s=3, c="black", label="data")
        ax.scatter(fake[:, 0], fake[:, 1], s=3, c="gold", label="G(z)" if surface is not None else "samples")
        ax.set_xlim(-self.extent, self.extent)
        ax.set_ylim(-self.extent, self.extent)
        colour = " (colour: D)" if surface is not None else ""
        ax.set_title(f"{pl_module.model_name}, step {trainer.global_step}{colour}")
        ax.legend(loc="upper right", fontsize=8)
        return self.save_frame(fig, trainer.global_step)
