"""Reading what a run leaves on disk: TensorBoard events and checkpoints."""

from pathlib import Path

import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def tensorboard_tags(run_dir: Path) -> dict[str, list[str]]:
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    return events.Tags()


def _scalars(run_dir: Path, tag: str) -> list:
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    return events.Scalars(tag)


def scalar_steps(run_dir: Path, tag: str) -> list[int]:
    return [e.step for e in _scalars(run_dir, tag)]


def scalar_values(run_dir: Path, tag: str) -> list[float]:
    return [e.value for e in _scalars(run_dir, tag)]


def load(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)
