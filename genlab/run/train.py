"""Training a composed config: seed → instantiate data, model, callbacks, loggers, trainer → fit
(the Hydra app in front of it is `genlab.run.train_app`).

Returns the last value of `optimized_metric` (see `genlab.run.objective`), so Hydra sweepers
can optimise it.
"""

import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ModelCheckpoint, ProgressBar
from lightning.pytorch.utilities import rank_zero_only
from omegaconf import DictConfig, OmegaConf

from genlab.atomic import AtomicCheckpointIO, write_atomically
from genlab.callbacks.resume_point import ResumePoint
from genlab.callbacks.run_state import RunState
from genlab.digest import file_sha256
from genlab.errors import GenlabError, find_user_error
from genlab.models.base import GenerativeModule
from genlab.run.checks import (
    check_accelerator_available,
    check_model_fits_data,
    check_resume_checkpoint,
    check_trainer_fits_model,
    refuse_multirun_with_popen_ddp,
    warn_about_oversubscription,
)
from genlab.run.cuda_probe import skip_nvml_without_a_gpu
from genlab.run.environment import record_environment
from genlab.run.jobs import leaves_nothing_if_refused, leaves_nothing_if_refused_at_start
from genlab.run.lock import hold_run_lock
from genlab.run.objective import final_value, optimized_metric
from genlab.run.quiet import silence_lightning_noise
from genlab.run.resume import requeued_checkpoint
from genlab.run.run_log import attach_run_log, log_to_run
from genlab.run.schema import validate
from genlab.run.speed import apply_speed_switches


def build(node: DictConfig, **kwargs: Any) -> Any:
    """`instantiate`, but a GenlabError raised inside comes out as itself, not wrapped by Hydra."""
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as exc:
        error = find_user_error(exc)
        if error is None:
            raise
        raise GenlabError(str(error)) from None


def build_all(group: DictConfig | None) -> list[Any]:
    """Instantiate each entry of a dict-shaped group (callbacks, logger); null entries are off."""
    if not group:
        return []
    return [build(node) for node in group.values() if node is not None and "_target_" in node]


@rank_zero_only
def report(trainer: L.Trainer, output_dir: str, seconds: float) -> None:
    """The end-of-run summary: final validation numbers, each monitored checkpoint's best score,
    and the run's folders that exist (a run with `logger=none` has no tensorboard/). Printed, in
    train.log, and as `summary.json` — the mark of a run that reached its end, with the numbers
    that `genlab demo` and the model zoo read instead of parsing logs, and `seconds`: the
    wall-clock time of this process's fit (a resumed run's last leg only)."""
    finals = {
        key: float(value)
        for key, value in sorted(trainer.callback_metrics.items())
        if key.startswith(("val/", "metrics/")) and value.numel() == 1
    }
    lines = [f"genlab: run finished in {output_dir} ({seconds:.0f} s)"]
    if finals:
        lines.append("  final        " + ", ".join(f"{key} {value:.4g}" for key, value in finals.items()))
    best = {}
    for callback in trainer.checkpoint_callbacks:
        if not isinstance(callback, ModelCheckpoint) or not callback.monitor:
            continue
        if callback.best_model_score is not None:
            score = float(callback.best_model_score)
            best[callback.monitor] = {"value": score, "checkpoint": callback.best_model_path}
            lines.append(f"  best         {callback.monitor} {score:.4g}: {callback.best_model_path}")
        else:  # Lightning's own warning about it is dropped (genlab.run.quiet)
            lines.append(f"  best         none: {callback.monitor} was never logged (no validation before the stop)")
    run = Path(output_dir)
    folders = {"checkpoints": "checkpoints/", "images": "images/", "tensorboard": "tensorboard/"}
    for name, folder in folders.items():
        if (run / folder).is_dir():
            where = f"tensorboard --logdir {run / folder}" if name == "tensorboard" else f"{run / folder}"
            lines.append(f"  {name:<12} {where}")
    summary = "\n".join(lines)
    print(f"\n{summary}")
    log_to_run(summary)
    record = {"step": trainer.global_step, "epochs": trainer.current_epoch, "seconds": round(seconds, 1)}
    record |= {"final": finals, "best": best}
    write_atomically(run / "summary.json", lambda f: f.write(json.dumps(record, indent=2).encode()))


def exit_if_stopped_by_signal(trainer: L.Trainer, output_dir: str) -> None:
    """A run that SIGTERM/SIGINT stopped (at a step boundary, with last.ckpt saved there) exits with
    128 + the signal number, so a scheduler requeues it instead of reading success."""
    point = next((c for c in trainer.callbacks if isinstance(c, ResumePoint) and c.received), None)
    if point is None:
        return
    received = point.received
    if trainer.is_global_zero:
        message = (
            f"genlab: stopped by {received.name} at step {trainer.global_step}; {output_dir}/checkpoints/last.ckpt "
            f"holds that step; continue with: genlab train resume={output_dir}"
        )
        print(message, file=sys.stderr)
        log_to_run(message, logging.WARNING)
    point.hand_on()  # under submitit: requeue the job, which then continues from that step
    sys.exit(128 + received)


@dataclass
class Run:
    datamodule: L.LightningDataModule
    model: L.LightningModule
    trainer: L.Trainer
    metric: str | None  # what `train` returns to a sweeper


def load_data(datamodule: L.LightningDataModule) -> None:
    """Load (and on local rank 0 download) the data now, so missing files or a wrong shape are
    reported before the trainer starts; Lightning's own later calls find it loaded."""
    if int(os.environ.get("LOCAL_RANK", 0)) == 0:
        datamodule.prepare_data()
    datamodule.setup("fit")


def ddp_strategy_for(model: GenerativeModule, trainer_cfg: DictConfig) -> dict[str, str]:
    """Models whose optimiser steps each use part of the parameters (a GAN's critic steps leave
    G idle) declare `ddp_find_unused_parameters`; DDP then has to look for unused ones."""
    strategy = str(trainer_cfg.get("strategy", "auto"))
    if model.ddp_find_unused_parameters and strategy in ("ddp", "ddp_spawn", "ddp_fork"):
        return {"strategy": f"{strategy}_find_unused_parameters_true"}
    return {}


def run_config_sha256(output_dir: str) -> str | None:
    """The fingerprint of the run's saved config (`.hydra/config.yaml`, which `resume=` reads
    back), or None for a run that has none (in-process runs, `hydra.output_subdir=null`)."""
    path = Path(output_dir) / ".hydra" / "config.yaml"
    return file_sha256(path) if path.is_file() else None


def assemble(cfg: DictConfig) -> Run:
    """Everything up to `fit`: all config, data-shape and checkpoint errors surface here."""
    silence_lightning_noise()
    skip_nvml_without_a_gpu()
    validate(cfg)
    check_accelerator_available(cfg.trainer)
    L.seed_everything(cfg.seed, workers=True)
    check_resume_checkpoint(cfg.get("ckpt_path"), cfg)
    datamodule = build(cfg.dataset)
    load_data(datamodule)
    model = build(cfg.model)
    check_model_fits_data(model, datamodule)
    # .get: the saved configs of runs made before the switches existed resume without them
    apply_speed_switches(
        model,
        cfg.get("compile", False),
        cfg.get("compile_backend", "inductor"),
        cfg.get("compile_mode"),
        cfg.get("channels_last", False),
    )
    check_trainer_fits_model(model, cfg.trainer)
    warn_about_oversubscription(cfg.trainer)

    config = OmegaConf.to_container(cfg, resolve=True)
    callbacks = [RunState(config, run_config_sha256(cfg.paths.output_dir)), *build_all(cfg.get("callbacks"))]
    if cfg.trainer.get("enable_progress_bar") is False:  # the switch alone turns the bundle's bar off
        callbacks = [c for c in callbacks if not isinstance(c, ProgressBar)]
    loggers = build_all(cfg.get("logger"))
    trainer = build(
        cfg.trainer,
        callbacks=callbacks,
        logger=loggers or False,
        plugins=[AtomicCheckpointIO()],
        **ddp_strategy_for(model, cfg.trainer),
    )
    metric = optimized_metric(cfg.get("optimized_metric"), model, trainer.callbacks)
    for logger in trainer.loggers:
        logger.log_hyperparams(config)
    return Run(datamodule, model, trainer, metric)


def train(cfg: DictConfig) -> float | None:
    attach_run_log()
    with leaves_nothing_if_refused(cfg.paths.output_dir, cfg.paths.output_root):
        refuse_multirun_with_popen_ddp(cfg.trainer)
        hold_run_lock(cfg.paths.output_dir, option="paths.output_dir")
        cfg.ckpt_path = cfg.get("ckpt_path") or requeued_checkpoint(cfg.paths.output_dir)
        run = assemble(cfg)
    record_environment(cfg)
    started = time.perf_counter()
    with leaves_nothing_if_refused_at_start(run.trainer, cfg.paths.output_dir, cfg.paths.output_root):
        # genlab read this checkpoint already (check_resume_checkpoint); Lightning reads it again
        run.trainer.fit(run.model, datamodule=run.datamodule, ckpt_path=cfg.get("ckpt_path"), weights_only=True)
    exit_if_stopped_by_signal(run.trainer, cfg.paths.output_dir)
    report(run.trainer, cfg.paths.output_dir, time.perf_counter() - started)
    return final_value(run.trainer, run.metric)
