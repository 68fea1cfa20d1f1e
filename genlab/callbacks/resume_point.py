"""Keeps `checkpoints/last.ckpt` the exact point a resumed run continues from, whatever ends the run.

`last.ckpt` is written
- at the end of every epoch: after validation (before any ranked `best-*` checkpoint: Lightning
  runs checkpoint callbacks last, in their config order, and this one comes first), or, in an
  epoch without validation, after its last batch. Never in `on_train_epoch_end`: Lightning
  resumes a checkpoint written there into one batch too many (measured: the weights then differ
  from an uninterrupted run's by 0.06), and a resumed run re-saving the step it resumed from
  there wrote exactly such a file;
- every `every_n_train_steps` steps, if set (what a kill -9 can cost);
- at the step where the run stops mid-epoch: `trainer.max_steps` reached, or SIGTERM, SIGINT or
  SIGUSR2 received. A signal only sets a flag; the run stops at the next step boundary, saves there
  and then exits with 128 + the signal number (143 for SIGTERM), so a cluster scheduler reads "not
  finished" and `genlab train resume=RUN_DIR` continues from that very step. A second Ctrl+C
  interrupts at once. SIGUSR2 is what submitit has SLURM send before a job's time limit; the
  handler that was there before genlab's and Lightning's (submitit's, which requeues the job) is
  called after the save (`hand_on`), and the requeued job continues from the saved step
  (`genlab.run.resume`).

A save mid-epoch happens in `on_train_batch_end`, before Lightning marks the epoch finished, so
the loop state (and the dataset position, see `GenlabDataModule.state_dict`) says where in the
epoch to continue. Weights that are not finite are never saved: the non-finite guard stops such
a run, and this callback would not overwrite the last finite `last.ckpt` even without it.
"""

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import Checkpoint

from genlab.atomic import remove_stale_temporaries
from genlab.callbacks.finite_guard import weights_finite

REQUEUE_SIGNAL = signal.SIGUSR2  # submitit's default (SUBMITIT_PREEMPT_SIGNAL)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, REQUEUE_SIGNAL)


def validates_this_epoch(trainer: L.Trainer) -> bool:
    """Whether validation runs at the end of the current epoch."""
    every = trainer.check_val_every_n_epoch
    return trainer.enable_validation and (every is None or (trainer.current_epoch + 1) % every == 0)


class ResumePoint(Checkpoint):
    def __init__(self, dirpath: str, every_n_train_steps: int | None = None) -> None:
        if every_n_train_steps is not None and every_n_train_steps < 1:
            raise ValueError(f"every_n_train_steps must be a positive integer or null, got {every_n_train_steps}")
        self.path = Path(dirpath) / "last.ckpt"
        self.every_n_train_steps = every_n_train_steps
        self.saved_step = -1
        self.received: signal.Signals | None = None  # the signal that asked the run to stop
        self._previous_handlers: dict[int, Any] = {}

    # --- signals: a flag, acted on at the next step boundary ---------------------------------
    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero and self.path.parent.is_dir():
            remove_stale_temporaries(self.path.parent)
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous_handlers[signum] = signal.signal(signum, self._request_stop)

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.received == signal.SIGINT and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl+C: the user will not wait for the step to end
        self.received = signal.Signals(signum)

    def _restore_handlers(self) -> None:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers = {}

    def hand_on(self) -> None:
        """After a SIGUSR2 stop, once fit is over and its step saved, call the handler that was
        there before genlab's and Lightning's (submitit's, which requeues the job). Only for the
        requeue signal: SIGINT's would raise KeyboardInterrupt, and a SIGTERM stop is complete."""
        handler = signal.getsignal(REQUEUE_SIGNAL)
        if self.received == REQUEUE_SIGNAL and callable(handler):
            handler(REQUEUE_SIGNAL, None)

    def _stop_requested(self, trainer: L.Trainer) -> bool:
        """Whether any rank received a stop signal (all ranks stop at the same step)."""
        asked = self.received is not None
        if trainer.world_size > 1:
            asked = trainer.strategy.reduce_boolean_decision(asked, all=False)
        return asked

    # --- when last.ckpt is written ------------------------------------------------------------
    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs, batch, batch_idx) -> None:
        stop = self._stop_requested(trainer)
        if stop:
            trainer.should_stop = True
        step = trainer.global_step
        if batch_idx + 1 >= trainer.num_training_batches:
            if not validates_this_epoch(trainer):
                self.save(trainer, pl_module)  # the epoch's end, where Lightning resumes it exactly
            return  # otherwise on_validation_end saves it, after validation
        due = self.every_n_train_steps is not None and step % self.every_n_train_steps == 0
        final = 0 <= trainer.max_steps <= step
        if stop or due or final:
            self.save(trainer, pl_module)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.sanity_checking:
            self.save(trainer, pl_module)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.save(trainer, pl_module)
        self._restore_handlers()

    def teardown(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        self._restore_handlers()

    def save(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.fast_dev_run or trainer.global_step == self.saved_step or not weights_finite(pl_module):
            return
        trainer.save_checkpoint(self.path, weights_only=False)  # everything, for an exact resume
        self.saved_step = trainer.global_step
