"""A figure per validation epoch, kept as `images/<tag>/step_*.png` and, at the end of training,
joined into `images/<tag>.gif`: the lecture's pictures of training dynamics (1-D and 2-D GANs).
Frames are written on global rank 0 only."""

from pathlib import Path

import lightning as L

from genlab.analysis.animation import gif_of_pngs
from genlab.analysis.plotting import pyplot


class FrameSeries(L.Callback):
    tag = "frames"

    def __init__(self, output_dir: str, frame_ms: int = 300) -> None:
        self.output_dir = Path(output_dir)
        self.frame_ms = frame_ms
        self.frames: list[Path] = []

    def save_frame(self, figure, step: int) -> Path:
        """Writes and closes the figure; the frame joins the GIF."""
        path = self.output_dir / "images" / self.tag / f"step_{step:07d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
        pyplot().close(figure)
        self.frames.append(path)
        return path

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and self.frames:
            gif_of_pngs(self.frames, self.output_dir / "images" / f"{self.tag}.gif", self.frame_ms)
