"""What the reporting callbacks write is right, not only present: the gradient norm is the norm,
an image grid's PNG and TensorBoard image hold the grid's pixels, the PCA baseline is PCA's."""

import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from lightning.pytorch.loggers import TensorBoardLogger
from PIL import Image
from torchvision.utils import make_grid

from genlab.callbacks.grad_norms import GradNorms
from genlab.callbacks.images import SampleGrid
from genlab.metrics.pca import pca_reconstruction_mse


class TwoPlayers(torch.nn.Module):
    """Stands in for a LightningModule: children with gradients, an EMA copy, and `log`."""

    def __init__(self) -> None:
        super().__init__()
        self.generator = torch.nn.Sequential(torch.nn.Linear(300, 200), torch.nn.Linear(200, 5))
        self.discriminator = torch.nn.Linear(7, 1)
        self.generator_ema = torch.nn.Linear(3, 3)
        self.logged: dict[str, float] = {}

    def log(self, key: str, value: float) -> None:
        self.logged[key] = value


def test_grad_norms_logs_each_players_whole_gradient_norm() -> None:
    module = TwoPlayers()
    for p in module.parameters():
        p.grad = torch.randn_like(p) * 100
    trainer = SimpleNamespace(global_step=10, log_every_n_steps=10)
    GradNorms().on_train_batch_end(trainer, module, None, None, 0)
    for name in ("generator", "discriminator"):
        squares = sum((p.grad.double() ** 2).sum() for p in getattr(module, name).parameters())
        assert module.logged[f"train/grad_norm/{name}"] == pytest.approx(float(squares.sqrt()), rel=1e-6)
    assert "train/grad_norm/generator_ema" not in module.logged, "an EMA copy has no gradient of its own"


def test_grad_norms_logs_only_on_the_logging_cadence() -> None:
    module = TwoPlayers()
    for p in module.parameters():
        p.grad = torch.ones_like(p)
    GradNorms().on_train_batch_end(SimpleNamespace(global_step=7, log_every_n_steps=10), module, None, None, 0)
    assert module.logged == {}


@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB")])
def test_sample_grid_png_and_tensorboard_image_hold_the_grid(tmp_path: Path, channels: int, mode: str) -> None:
    images = torch.rand(6, channels, 8, 8)
    logger = TensorBoardLogger(str(tmp_path), name="tb", version=0)
    trainer = SimpleNamespace(global_step=12, loggers=[logger])
    path = SampleGrid(str(tmp_path), n=6).write(trainer, images, nrow=3)
    logger.experiment.flush()

    grid = make_grid(images, nrow=3, padding=2, pad_value=1.0)[:channels]
    expected = grid.mul(255).add(0.5).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).squeeze(-1).numpy()
    assert path == tmp_path / "images" / "samples" / "step_0000012.png"
    with Image.open(path) as png:
        assert png.mode == mode and np.array_equal(np.asarray(png), expected), "the PNG is the grid, lossless"

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "tb" / "version_0"), size_guidance={"images": 0})
    events.Reload()
    (event,) = events.Images("samples")
    assert (event.step, event.width, event.height) == (12, expected.shape[1], expected.shape[0])
    with Image.open(io.BytesIO(event.encoded_image_string)) as shown:
        assert shown.mode == mode and np.array_equal(np.asarray(shown), expected), "TensorBoard shows the same pixels"


def test_a_sample_grid_with_gif_animates_every_grid_of_its_folder_in_step_order(tmp_path: Path) -> None:
    trainer = SimpleNamespace(global_step=0, loggers=[], is_global_zero=True)
    grids = SampleGrid(str(tmp_path), n=4, gif=True, frame_ms=50)
    for step, shade in ((30, 0.9), (10, 0.1), (20, 0.5)):  # written out of order: the GIF follows the steps
        trainer.global_step = step
        grids.write(trainer, torch.full((4, 1, 8, 8), shade), nrow=2)
    grids.on_train_end(trainer, None)
    with Image.open(tmp_path / "images" / "samples.gif") as gif:
        centres = []
        for frame in range(gif.n_frames):
            gif.seek(frame)
            centres.append(gif.convert("L").getpixel((5, 5)))
    assert len(centres) == 3 and centres == sorted(centres), centres
    SampleGrid(str(tmp_path / "off"), n=4).on_train_end(trainer, None)
    assert not (tmp_path / "off" / "images" / "samples.gif").exists(), "no GIF unless asked"


def test_pca_baseline_equals_the_exact_principal_subspace_error() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(size=(400, 30)) @ rng.normal(size=(30, 30)) * np.linspace(3, 0.1, 30)
    val = rng.normal(size=(50, 30)) @ rng.normal(size=(30, 30)) * np.linspace(3, 0.1, 30)
    mean = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    top = vt[:4]
    exact = np.mean(((val - mean) @ top.T @ top + mean - val) ** 2)
    assert pca_reconstruction_mse(train, val, 4) == pytest.approx(exact, rel=1e-6)
