"""Image grids written as PNG into the run directory and as TensorBoard images.

Each callback acts only for models declaring the matching capability (see
`genlab.models.capabilities`) and image-shaped data, and only on global rank 0, so a DDP run writes
one set of images. Grids use fixed noise/inputs so that successive epochs are comparable.
"""

import math
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F
from lightning.pytorch.loggers import TensorBoardLogger
from tensorboard.compat.proto.summary_pb2 import Summary
from torch import Tensor
from torchvision.io import encode_png
from torchvision.utils import make_grid

from genlab.analysis.animation import gif_of_pngs
from genlab.analysis.grids import inputs_above_outputs
from genlab.analysis.traversal import latent_traversal
from genlab.data.base import GenlabDataModule
from genlab.models.base import GenerativeModule
from genlab.models.capabilities import DecodesLatents, Encodes, Grows, Reconstructs, Samples, Translates


class ImageGridCallback(L.Callback):
    """A grid every `every_n_epochs` validation epochs to `images/<tag>/step_*.png`; with `gif`, at
    the end of training every grid of the folder (a resumed run's earlier ones too) as
    `images/<tag>.gif`, `frame_ms` a frame: the lecture's picture of a model over its training."""

    tag = "images"

    def __init__(
        self,
        output_dir: str,
        n: int = 64,
        every_n_epochs: int = 1,
        seed: int = 0,
        gif: bool = False,
        frame_ms: int = 300,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.n = n
        self.every_n_epochs = every_n_epochs
        self.seed = seed
        self.gif = gif
        self.frame_ms = frame_ms
        self.first_val_batch: Tensor | None = None

    def applies_to(self, pl_module: GenerativeModule) -> bool:
        raise NotImplementedError

    def make_images(self, pl_module: GenerativeModule) -> tuple[Tensor, int]:
        """(images in [0, 1], images per row)."""
        raise NotImplementedError

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        if batch_idx == 0 and dataloader_idx == 0 and self.first_val_batch is None:
            self.first_val_batch = batch[0][: self.n].detach()

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: GenerativeModule) -> None:
        # a fast_dev_run draws every picture once, whatever the interval, so a config check sees them all
        due = bool(trainer.fast_dev_run) or (trainer.current_epoch + 1) % self.every_n_epochs == 0
        if trainer.sanity_checking or not due or not trainer.is_global_zero:
            return
        if not pl_module.images or not self.applies_to(pl_module):
            return
        with torch.no_grad():
            images, nrow = self.make_images(pl_module)
        self.write(trainer, images, nrow)

    def write(self, trainer: L.Trainer, images: Tensor, nrow: int) -> Path:
        path = self.output_dir / "images" / self.tag / f"step_{trainer.global_step:07d}.png"
        return write_grid(trainer, images, nrow, path, self.tag)

    def on_train_end(self, trainer: L.Trainer, pl_module: GenerativeModule) -> None:
        frames = sorted((self.output_dir / "images" / self.tag).glob("step_*.png"))
        if self.gif and frames and trainer.is_global_zero:
            gif_of_pngs(frames, self.output_dir / "images" / f"{self.tag}.gif", self.frame_ms)


def write_grid(trainer: L.Trainer, images: Tensor, nrow: int, path: Path, tag: str) -> Path:
    """`images` as one PNG grid at `path` and as a TensorBoard image under `tag`."""
    # Quantised and PNG-encoded once, at zlib's fastest level, and those bytes go both to the
    # file and to TensorBoard: `add_image` re-encodes with PIL at its default level, 22 ms a
    # grid, a tenth of a digits epoch for the VAE's two grids. Grey images stay one channel
    # (make_grid repeats them into three).
    grid = make_grid(images.detach().float().cpu().clamp(0, 1), nrow=nrow, padding=2, pad_value=1.0)
    pixels = grid[: images.shape[1]].mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8)
    png = encode_png(pixels, compression_level=1).numpy().tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.file_writer.add_summary(png_summary(tag, png, pixels.shape), trainer.global_step)
    return path


def png_summary(tag: str, png: bytes, shape: torch.Size) -> Summary:
    """A TensorBoard image summary holding an already-encoded (C, H, W) PNG."""
    channels, height, width = shape
    image = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=png)
    return Summary(value=[Summary.Value(tag=tag, image=image)])


class GrowthGrid(L.Callback):
    """Progressive growing's picture: samples (fixed noise) at each resolution as training leaves
    it for the next (`images/growth/0008px.png` when 16 px starts fading in) and at the end of
    training, for models that `Grows`."""

    def __init__(self, output_dir: str, n: int = 64, seed: int = 0) -> None:
        self.output_dir, self.n, self.seed = Path(output_dir), n, seed
        self.resolution: int | None = None

    def on_train_batch_start(self, trainer: L.Trainer, pl_module: GenerativeModule, batch, batch_idx: int) -> None:
        if not isinstance(pl_module, Grows):
            return
        now = pl_module.current_resolution()
        if self.resolution is not None and now > self.resolution:
            self.write(trainer, pl_module, self.resolution)
        self.resolution = now

    def on_train_end(self, trainer: L.Trainer, pl_module: GenerativeModule) -> None:
        if isinstance(pl_module, Grows):
            self.write(trainer, pl_module, pl_module.current_resolution())

    def write(self, trainer: L.Trainer, pl_module: Grows, resolution: int) -> None:
        if not trainer.is_global_zero:
            return
        with torch.no_grad():
            images = pl_module.sample_at(self.n, resolution, torch.Generator().manual_seed(self.seed))
        path = self.output_dir / "images" / "growth" / f"{resolution:04d}px.png"
        write_grid(trainer, images, int(self.n**0.5), path, f"growth/{resolution}px")


class SampleGrid(ImageGridCallback):
    """Samples from the prior with the same noise every time."""

    tag = "samples"

    def applies_to(self, pl_module: GenerativeModule) -> bool:
        return isinstance(pl_module, Samples)

    def make_images(self, pl_module: GenerativeModule) -> tuple[Tensor, int]:
        generator = torch.Generator().manual_seed(self.seed)
        images = pl_module.sample(self.n, generator=generator)
        nrow = pl_module.grid_nrow(self.n) or int(self.n**0.5)
        return images, nrow


class ReconstructionGrid(ImageGridCallback):
    """Validation inputs (odd rows) above their reconstructions (even rows)."""

    tag = "reconstructions"

    def applies_to(self, pl_module: GenerativeModule) -> bool:
        return isinstance(pl_module, Reconstructs) and self.first_val_batch is not None

    def make_images(self, pl_module: GenerativeModule) -> tuple[Tensor, int]:
        x = self.first_val_batch.to(pl_module.device)
        recon = pl_module.reconstruct(x)
        nrow = math.ceil(math.sqrt(2 * len(x)))  # pairs of rows make the grid roughly square
        return inputs_above_outputs(x, recon, nrow), nrow


class LatentTraversalGrid(ImageGridCallback):
    """One row per latent: the first validation image's code with that latent swept over a range."""

    tag = "traversal"

    def __init__(self, output_dir: str, max_latents: int = 10, steps: int = 9, span: float = 3.0, **kwargs) -> None:
        super().__init__(output_dir, **kwargs)
        self.max_latents = max_latents
        self.steps = steps
        self.span = span

    def applies_to(self, pl_module: GenerativeModule) -> bool:
        encodes_and_decodes = isinstance(pl_module, Encodes) and isinstance(pl_module, DecodesLatents)
        return encodes_and_decodes and self.first_val_batch is not None

    def make_images(self, pl_module: GenerativeModule) -> tuple[Tensor, int]:
        z = pl_module.encode_mean(self.first_val_batch[:1].to(pl_module.device))
        dims = range(min(self.max_latents, pl_module.latent_dim))
        values = torch.linspace(-self.span, self.span, self.steps)
        return latent_traversal(pl_module.decode, z, dims, values), self.steps


class TranslationGrid(ImageGridCallback):
    """Three rows: the first `n` validation sources (enlarged by nearest neighbour where smaller),
    their translations, their targets (grey images shown in colour where the other side has
    colour); a model that translates both ways (CycleGAN, the face swap) adds a fourth: the
    targets translated back, so the grid reads A, A→B, B, B→A."""

    tag = "translations"

    def __init__(self, output_dir: str, **kwargs) -> None:
        super().__init__(output_dir, **kwargs)
        self.first_sources: Tensor | None = None

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        if batch_idx == 0 and dataloader_idx == 0 and self.first_sources is None:
            self.first_val_batch = batch[0][: self.n].detach()
            self.first_sources = batch[1][: self.n].detach()

    def applies_to(self, pl_module: GenerativeModule) -> bool:
        return isinstance(pl_module, Translates) and self.first_sources is not None

    def make_images(self, pl_module: GenerativeModule) -> tuple[Tensor, int]:
        sources, targets = self.first_sources.to(pl_module.device), self.first_val_batch.to(pl_module.device)
        translated = pl_module.translate(sources)
        if sources.shape[-2:] != targets.shape[-2:]:  # super-resolution: the low-resolution input, enlarged
            sources = F.interpolate(sources, size=targets.shape[-2:], mode="nearest")
        rows = [sources, translated, targets]
        if "BtoA" in pl_module.directions:
            rows.append(pl_module.translate(targets, "BtoA"))
        channels = max(row.shape[1] for row in rows)
        return torch.cat([row.expand(-1, channels, -1, -1) for row in rows]), len(targets)


class ResamplingGrid(ImageGridCallback):
    """The training examples the epoch's adaptive resampling draws most often (top row) and least
    often (bottom row): DB-VAE's picture of what its latent histograms find rare and common. Under
    DB-VAE both rows are positives (negatives are all drawn at the mean rate, which the rare
    positives exceed and the common ones fall below). Only for data drawn by
    `GenlabDataModule.resample_by`; only the shown images are read."""

    tag = "resampling"

    def applies_to(self, pl_module: GenerativeModule) -> bool:
        datamodule = pl_module.trainer.datamodule
        return isinstance(datamodule, GenlabDataModule) and datamodule.epoch_weights is not None

    def make_images(self, pl_module: GenerativeModule) -> tuple[Tensor, int]:
        datamodule = pl_module.trainer.datamodule
        _, weights = datamodule.epoch_weights
        per_row = min(self.n // 2, len(weights) // 2)
        order = torch.argsort(weights, descending=True)
        chosen = torch.cat([order[:per_row], order.flip(0)[:per_row]]).tolist()
        return torch.stack([datamodule.train_set[i][0] for i in chosen]), per_row
