"""Reading genlab checkpoints back: validation with clear errors, and model rebuilding."""

from pathlib import Path
from typing import Any

import torch
from hydra.utils import instantiate

from genlab.callbacks.run_state import KEY
from genlab.errors import GenlabError


def read_checkpoint(path: str | Path, option: str = "ckpt") -> dict[str, Any]:
    """Load a checkpoint written by `genlab train`, or explain why `path` is not one.

    Loads with `weights_only=True`: a checkpoint from elsewhere cannot run code on load.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise GenlabError(f"{option}={path}: no such file; pass the path of a .ckpt file written by `genlab train`")
    try:
        checkpoint = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise GenlabError(
            f"{option}={path} is not a readable checkpoint ({type(exc).__name__}); the file is corrupt or not "
            "a PyTorch checkpoint, pick another (e.g. checkpoints/last.ckpt)"
        ) from exc
    if not isinstance(checkpoint, dict) or KEY not in checkpoint or "state_dict" not in checkpoint:
        raise GenlabError(
            f"{option}={path} is not a genlab checkpoint (it holds no run config); "
            "pass a .ckpt written by `genlab train`"
        )
    return checkpoint


def checkpoint_config(checkpoint: dict[str, Any]) -> dict[str, Any]:
    return checkpoint[KEY]["config"]


def rebuild_model(checkpoint: dict[str, Any]) -> torch.nn.Module:
    """The trained model, built from the config stored in the checkpoint and put in eval mode."""
    model = instantiate(checkpoint_config(checkpoint)["model"])
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()


def rebuild_datamodule(checkpoint: dict[str, Any], stage: str = "fit"):
    """The run's dataset, rebuilt from the config stored in the checkpoint, prepared and set up."""
    datamodule = instantiate(checkpoint_config(checkpoint)["dataset"])
    datamodule.prepare_data()
    datamodule.setup(stage)
    return datamodule


def derived_path(ckpt: Path, folder: str, name: str) -> Path:
    """Where a file made from a checkpoint goes: `<run>/<folder>/<name>` when the checkpoint is in
    a run's `checkpoints/`, else beside the checkpoint file."""
    if ckpt.parent.name == "checkpoints":
        return ckpt.parent.parent / folder / name
    return ckpt.with_name(name)
