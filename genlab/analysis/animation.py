"""GIFs of a run's pictures over time (training dynamics, sample grids, interpolation walks), looping."""

from collections.abc import Sequence
from pathlib import Path

from PIL import Image


def save_gif(frames: Sequence[Image.Image], out: Path, frame_ms: int) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(out, save_all=True, append_images=list(frames[1:]), duration=frame_ms, loop=0)
    return out


def gif_of_pngs(pngs: Sequence[Path], out: Path, frame_ms: int) -> Path:
    """The PNGs in order as one GIF, each frame on its own adaptive palette."""
    return save_gif([Image.open(p).convert("P", palette=Image.ADAPTIVE) for p in pngs], out, frame_ms)
