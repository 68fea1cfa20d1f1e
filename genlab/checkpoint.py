"""The genlab checkpoint format: what a `.ckpt` holds beside Lightning's own entries, and how it
is read back (validated, with clear errors) and turned into a model again.

Under `checkpoint["genlab"]`: the format number, genlab's version, the resolved run config (so
`genlab sample ckpt=…` rebuilds the model from the file alone; built `nn.Module`s are never
pickled) and the RNG states of torch, NumPy and Python (so a resumed run makes the same random
draws as one that never stopped). Everything is plain lists and tensors, so the file loads with
`torch.load(weights_only=True)`.
"""

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hydra.utils import instantiate

from genlab import __version__
from genlab.errors import GenlabError
from genlab.run.arguments import nearby_checkpoints
from genlab.trust import check_targets

KEY = "genlab"
FORMAT = 1


def collect_rng_states() -> dict[str, Any]:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, state, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "numpy": [kind, keys.tolist(), pos, has_gauss, cached],
        "python": [version, list(state), gauss_next],
    }


def restore_rng_states(states: dict[str, Any]) -> None:
    torch.set_rng_state(states["torch"])
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    version, state, gauss_next = states["python"]
    random.setstate((version, tuple(state), gauss_next))


def genlab_entry(config: dict[str, Any]) -> dict[str, Any]:
    """What genlab adds to every checkpoint it writes."""
    return {"format": FORMAT, "version": __version__, "config": config, "rng": collect_rng_states()}


def read_checkpoint(path: str | Path, option: str = "ckpt", trust: bool = False) -> dict[str, Any]:
    """Load a checkpoint written by `genlab train`, or explain why `path` is not one.

    Loads with `weights_only=True`, and checks every `_target_` of the stored config against
    genlab's own (`genlab.trust`; `trust=True` skips that): a checkpoint from elsewhere can run
    code neither on load nor when its model is rebuilt.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise GenlabError(f"{option}={path}: no such file; {nearby_checkpoints(file)}")
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
    check_targets(checkpoint[KEY].get("config"), f"{option}={path}", trust)
    check_finite(checkpoint["state_dict"], f"{option}={path}")
    return checkpoint


def check_finite(state_dict: dict[str, Any], source: str) -> None:
    """Refuse weights holding NaN or infinity: what a diverged run leaves, useless to sample or resume."""
    bad = [k for k, v in state_dict.items() if torch.is_tensor(v) and v.is_floating_point() and not v.isfinite().all()]
    if bad:
        raise GenlabError(
            f"{source} holds non-finite weights ({len(bad)} tensors, e.g. {bad[0]}): the run diverged before it "
            "was saved; pick an earlier checkpoint, or train again with a lower optimizer.lr"
        )


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
