"""The lecture's picture of GAN training on the line (Goodfellow et al., Fig. 1): the data's density,
the generator's, the discriminator D(x) and the optimal one for this generator,
D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Prop. 1).

Each validation epoch writes `images/dynamics1d/step_*.png` and logs `val/d_star_gap`, the mean of
|D(x) − D*(x)| under ½(p_data + p_g), the mixture D is trained on (where both densities vanish, D*
is a ratio of two noises and D is never trained; the largest gap sits at D*'s steepest edges,
where the kernel estimate of p_g is smoothest, so the mean is the steadier measure). p_data is the dataset's own
density (`dataset=toy1d`); p_g is a Gaussian kernel density estimate of `n_samples` samples
(SciPy, Scott's bandwidth). D is read as a probability only for objectives whose optimum is that
ratio (`Discriminates.real_probability`: minimax, non-saturating, least squares); for the others
the picture shows the densities alone. At the end of training the frames become
`images/dynamics1d.gif`. Files are written on global rank 0 only.
"""

from pathlib import Path

import lightning as L
import torch
from scipy.stats import gaussian_kde
from torch import Tensor

from genlab.analysis.plotting import pyplot
from genlab.callbacks.frames import FrameSeries
from genlab.data.base import KnownDensity
from genlab.models.base import GenerativeModule
from genlab.models.capabilities import Discriminates, Samples


def optimal_discriminator(p_data: Tensor, p_g: Tensor) -> Tensor:
    """D*(x) = p_data / (p_data + p_g), ½ where neither has mass."""
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(1e-30), torch.full_like(total, 0.5))


class Dynamics1D(FrameSeries):
    tag = "dynamics1d"

    def __init__(self, output_dir: str, n_samples: int = 5000, extent: float = 4.0, frame_ms: int = 300) -> None:
        super().__init__(output_dir, frame_ms)
        self.n_samples = n_samples
        self.extent = extent

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: GenerativeModule) -> None:
        data = trainer.datamodule
        if trainer.sanity_checking or not isinstance(data, KnownDensity) or not isinstance(pl_module, Samples):
            return
        x = torch.linspace(-self.extent, self.extent, 401)
        with torch.no_grad():
            fake = pl_module.sample(self.n_samples, generator=torch.Generator().manual_seed(0)).cpu().flatten()
            d = (
                pl_module.real_probability(x[:, None].to(pl_module.device))
                if isinstance(pl_module, Discriminates)
                else None
            )
        p_data = data.density(x)
        p_g = torch.from_numpy(gaussian_kde(fake.double().numpy())(x.double().numpy())).float()
        d_star = optimal_discriminator(p_data, p_g)
        if d is not None:
            d = d.cpu().flatten()
            weight = p_data + p_g  # the mixture D is trained on: where D* is a ratio of vanishing densities, no weight
            pl_module.log("val/d_star_gap", float(((d - d_star).abs() * weight).sum() / weight.sum()))
        if trainer.is_global_zero:
            self.plot(trainer, pl_module, x, p_data, p_g, d, d_star)

    def plot(
        self, trainer, pl_module, x: Tensor, p_data: Tensor, p_g: Tensor, d: Tensor | None, d_star: Tensor
    ) -> Path:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6, 3.4), dpi=80)
        ax.plot(x, p_data, color="black", label="p_data")
        ax.plot(x, p_g, color="green", label="p_g (KDE of G's samples)")
        if d is not None:
            ax.plot(x, d, color="blue", label="D(x)")
            total = p_data + p_g
            drawn = torch.where(total > 1e-3 * total.max(), d_star, torch.nan)  # not a ratio of two noises
            ax.plot(x, drawn, color="blue", linestyle="--", label="D*(x) = p_data / (p_data + p_g)")
        ax.set_xlim(-self.extent, self.extent)
        ax.set_ylim(0, max(1.05, float(torch.maximum(p_data, p_g).max()) * 1.05))
        ax.set_title(f"{pl_module.model_name}, step {trainer.global_step}", fontsize=10)
        ax.legend(loc="upper right", fontsize=7)
        fig.tight_layout()
        return self.save_frame(fig, trainer.global_step)
