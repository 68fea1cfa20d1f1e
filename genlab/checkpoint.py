"""The genlab checkpoint format: what a `.ckpt` holds beside Lightning's own entries, and how it
is read back (validated, with clear errors) and turned into a model again.

Under `checkpoint["genlab"]`: the format number, genlab's version, the resolved run config (so
`genlab sample ckpt=…` rebuilds the model from the file alone; built `nn.Module`s are never
pickled) and the RNG states of torch, NumPy and Python (so a resumed run makes the same random
draws as one that never stopped). Everything is plain lists and tensors, so the file loads with
`torch.load(weights_only=True)`.
"""

import random
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hydra.utils import instantiate

from genlab import __version__
from genlab.errors import GenlabError
from genlab.run.arguments import nearby_checkpoints
from genlab.trust import CHECKPOINT, check_config, check_resolved, read_tensors

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
    try:
        torch.set_rng_state(states["torch"])
        kind, keys, pos, has_gauss, cached = states["numpy"]
        np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
        version, state, gauss_next = states["python"]
        random.setstate((version, tuple(state), gauss_next))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise GenlabError(
            f"the checkpoint's RNG states are malformed ({type(exc).__name__}), so the run cannot continue exactly; "
            "the file was altered: resume from another checkpoint"
        ) from None


def genlab_entry(config: dict[str, Any], run_config_sha256: str | None) -> dict[str, Any]:
    """What genlab adds to every checkpoint it writes. `run_config_sha256` fingerprints the run
    directory's `.hydra/config.yaml` (None where the run has none), which `resume=` compares: a
    truncated or altered copy of that file is refused instead of resumed as another experiment."""
    entry = {"format": FORMAT, "version": __version__, "config": config, "rng": collect_rng_states()}
    return entry | ({"run_config_sha256": run_config_sha256} if run_config_sha256 else {})


def check_archive(file: Path, source: str) -> None:
    """A checkpoint is the zip archive `torch.save` writes: stored (never compressed) members,
    each matching the CRC-32 the archive records. torch reads neither check: a flipped bit in a
    weight would load as a different weight, and a deflated member would be inflated in memory to
    whatever size it claims."""
    try:
        with zipfile.ZipFile(file) as archive:
            packed = [m.filename for m in archive.infolist() if m.compress_type != zipfile.ZIP_STORED]
            damaged = None if packed else archive.testzip()
    except Exception as exc:  # zipfile raises a zoo of types for a damaged or foreign file
        raise GenlabError(
            f"{source} is not a readable checkpoint ({type(exc).__name__}): the file is corrupt, truncated or not "
            "a PyTorch checkpoint; pick another (e.g. checkpoints/last.ckpt)"
        ) from None
    if packed:
        raise GenlabError(
            f"{source} holds compressed members ({packed[0]}), which torch.save never writes; the file was made "
            "elsewhere, pick a checkpoint written by `genlab train`"
        )
    if damaged is not None:
        raise GenlabError(
            f"{source} is corrupt: {damaged} does not match the checksum the archive records (a damaged copy or "
            "an altered file); copy it again, or pick another checkpoint"
        )


def check_layout(checkpoint: Any, source: str) -> None:
    """What every genlab checkpoint holds, whatever config it stores: read before anything indexes it."""
    entry = checkpoint.get(KEY) if isinstance(checkpoint, dict) else None
    config = entry.get("config") if isinstance(entry, dict) else None
    if not isinstance(config, dict) or not isinstance(checkpoint.get("state_dict"), dict):
        raise GenlabError(
            f"{source} is not a genlab checkpoint (it holds no run config); pass a .ckpt written by `genlab train`"
        )
    for part in ("model", "dataset"):
        if not isinstance(config.get(part), dict) or not isinstance(config[part].get("_target_"), str):
            raise GenlabError(
                f"{source} stores a run config without a buildable '{part}' section; the file was altered or made "
                "elsewhere, pick a checkpoint written by `genlab train`"
            )


def read_checkpoint(path: str | Path, option: str = "ckpt", trust: bool = False) -> dict[str, Any]:
    """Load a checkpoint written by `genlab train`, or explain why `path` is not one.

    The archive is checked (`check_archive`), then loaded with `weights_only=True`; its stored
    config must be plain data with genlab's own targets and no interpolation, before and after
    resolution (`genlab.trust`; `trust=True` skips that, for a user's own family). A checkpoint
    from elsewhere can run code neither on load nor when its model is rebuilt.
    """
    file = Path(path).expanduser()
    source = f"{option}={path}"
    if not file.is_file():
        raise GenlabError(f"{source}: no such file; {nearby_checkpoints(file)}")
    check_archive(file, source)
    try:
        checkpoint = read_tensors(file)
    except Exception as exc:
        raise GenlabError(
            f"{source} is not a readable checkpoint ({type(exc).__name__}); the file is corrupt or not "
            "a PyTorch checkpoint, pick another (e.g. checkpoints/last.ckpt)"
        ) from exc
    check_layout(checkpoint, source)
    if not trust:
        check_stored_config(checkpoint, source)
    check_finite(checkpoint["state_dict"], source)
    return checkpoint


def check_stored_config(checkpoint: dict[str, Any], source: str, also: frozenset[str] = frozenset()) -> None:
    """The stored config is plain data with genlab's own targets (or `also`'s), before and after resolution."""
    check_config(checkpoint_config(checkpoint), source, CHECKPOINT, also)
    check_resolved(checkpoint_config(checkpoint), source, also)


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


def upgraded_model_config(model: dict[str, Any]) -> dict[str, Any]:
    """A stored model config in today's shape. Translators written before their image shapes
    became one part (`pair`, genlab.models.image_pair) stored `data_shape` and `source_shape`."""
    if "source_shape" not in model or "pair" in model:
        return model
    pair = {"_target_": "genlab.models.image_pair.ImagePair", "target": model["data_shape"]}
    rest = {key: value for key, value in model.items() if key not in ("data_shape", "source_shape")}
    return {**rest, "pair": {**pair, "source": model["source_shape"]}}


def rebuild_model(checkpoint: dict[str, Any]) -> torch.nn.Module:
    """The trained model, built from the config stored in the checkpoint and put in eval mode."""
    model = instantiate(upgraded_model_config(checkpoint_config(checkpoint)["model"]))
    model.load_state_dict(checkpoint["state_dict"])
    return model.eval()


def rebuild_datamodule(checkpoint: dict[str, Any], stage: str = "fit", **changes: Any):
    """The run's dataset, rebuilt from the config stored in the checkpoint (with `changes`, e.g.
    every class back for anomaly detection), prepared and set up."""
    datamodule = instantiate({**checkpoint_config(checkpoint)["dataset"], **changes})
    datamodule.prepare_data()
    datamodule.setup(stage)
    return datamodule


def derived_path(ckpt: Path, folder: str, name: str) -> Path:
    """Where a file made from a checkpoint goes: `<run>/<folder>/<name>` when the checkpoint is in
    a run's `checkpoints/`, else beside the checkpoint file."""
    if ckpt.parent.name == "checkpoints":
        return ckpt.parent.parent / folder / name
    return ckpt.with_name(name)
