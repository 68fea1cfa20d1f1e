"""Puts what a checkpoint needs to stand alone into every checkpoint (the format is
`genlab.checkpoint`'s): the resolved run config, the fingerprint of the run directory's saved
config, and the RNG states, restored on resume."""

from typing import Any

import lightning as L

from genlab.checkpoint import KEY, genlab_entry, restore_rng_states


class RunState(L.Callback):
    def __init__(self, config: dict[str, Any], run_config_sha256: str | None = None) -> None:
        self.config = config
        self.run_config_sha256 = run_config_sha256

    def on_save_checkpoint(self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict) -> None:
        checkpoint[KEY] = genlab_entry(self.config, self.run_config_sha256)

    def on_load_checkpoint(self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict) -> None:
        state = checkpoint.get(KEY, {}).get("rng")
        if state is not None:
            restore_rng_states(state)
