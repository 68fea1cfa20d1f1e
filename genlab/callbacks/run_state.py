"""Puts what a checkpoint needs to stand alone into every checkpoint.

- the resolved run config, so `genlab sample ckpt=…` rebuilds the model from the file alone
  (built `nn.Module`s are never pickled as hyperparameters);
- the RNG states of torch, NumPy and Python, restored on resume, so a run stopped and resumed
  makes the same random draws as one that never stopped. Stored as plain lists and tensors so the
  checkpoint loads with `torch.load(weights_only=True)`.
"""

import random
from typing import Any

import lightning as L
import numpy as np
import torch

from genlab import __version__

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


class RunState(L.Callback):
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def on_save_checkpoint(self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict) -> None:
        checkpoint[KEY] = {
            "format": FORMAT,
            "version": __version__,
            "config": self.config,
            "rng": collect_rng_states(),
        }

    def on_load_checkpoint(self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict) -> None:
        state = checkpoint.get(KEY, {}).get("rng")
        if state is not None:
            restore_rng_states(state)
