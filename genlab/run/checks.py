"""Pre-flight checks: problems found before Lightning starts, reported in one line each."""

import os
from typing import Any

import torch
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from lightning.fabric.plugins.environments import SLURMEnvironment
from lightning.pytorch.utilities import rank_zero_warn
from omegaconf import DictConfig

from genlab.checkpoint import check_stored_config, checkpoint_config, read_checkpoint
from genlab.data.domain_pair import DomainPair
from genlab.errors import GenlabError
from genlab.models.capabilities import AdaptsDomains, Translates
from genlab.trust import targets_of


def _fmt(shape: Any) -> str:
    return "×".join(str(int(s)) for s in shape)


def refuse_multirun_with_popen_ddp(trainer_cfg: DictConfig) -> None:
    """Lightning's `ddp` re-executes the command line for each rank; under -m that is the sweep.
    Under SLURM (`hydra/launcher=slurm`) srun has started every rank already, and Lightning
    starts none: that sweep is fine."""
    if HydraConfig.get().mode != RunMode.MULTIRUN or SLURMEnvironment.detect():
        return
    strategy = str(trainer_cfg.get("strategy", "auto"))
    devices = trainer_cfg.get("devices", 1)
    if strategy.startswith("ddp") and "spawn" not in strategy and "fork" not in strategy and devices not in (1, "1"):
        raise GenlabError(
            f"-m/--multirun with trainer.strategy={strategy} would re-run the whole sweep in every rank; "
            "use trainer.strategy=ddp_spawn for sweeps, hydra/launcher=slurm on a cluster (srun starts the ranks), "
            "or start each DDP run on its own"
        )


def check_accelerator_available(trainer_cfg: DictConfig) -> None:
    """Lightning's own refusal of a missing GPU is a wrapped multi-line traceback."""
    accelerator = str(trainer_cfg.get("accelerator", "cpu"))
    if accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise GenlabError(
            f"trainer.accelerator={accelerator} needs a CUDA GPU, but torch sees none (torch.cuda.is_available() "
            f"is False, torch {torch.__version__}); train on the CPU with trainer=cpu (or trainer=ddp_cpu)"
        )


def check_resume_checkpoint(ckpt_path: str | None, cfg: DictConfig) -> None:
    """The checkpoint a run continues from holds the model this run builds. Its stored config is
    only compared, never built (the run builds its own), but one that is not plain data with
    genlab's own targets — or those this run's own config builds (a plugin named on the command
    line, which a requeued job names again) — was made or altered elsewhere and is refused."""
    if ckpt_path is None:
        return
    checkpoint = read_checkpoint(ckpt_path, option="ckpt_path", trust=True)
    if cfg.get("trust_config") is not True:
        check_stored_config(checkpoint, f"ckpt_path={ckpt_path}", targets_of(cfg))
    stored = checkpoint_config(checkpoint)["model"]["_target_"]
    if stored != cfg.model._target_:
        raise GenlabError(
            f"ckpt_path={ckpt_path} holds a {stored} but this run builds a {cfg.model._target_}; "
            "resume with the same model config (or use resume=RUN_DIR)"
        )


def check_model_fits_data(model: Any, datamodule: Any) -> None:
    if tuple(model.data_shape) != tuple(datamodule.shape):
        raise GenlabError(
            f"model '{model.model_name}' is built for {_fmt(model.data_shape)} inputs but dataset "
            f"'{datamodule.name}' yields {_fmt(datamodule.shape)}; drop the model.data_shape override "
            "(it follows ${dataset.shape}) or pick a matching dataset"
        )
    adapts, pair = isinstance(model, AdaptsDomains), isinstance(datamodule, DomainPair)
    if adapts and not pair:
        raise GenlabError(
            f"model '{model.model_name}' adapts a classifier from a labelled source domain to an unlabelled target "
            f"domain, but dataset '{datamodule.name}' is one domain; use dataset=domain_pair "
            "(dataset@dataset.source=NAME dataset@dataset.target=NAME)"
        )
    if pair and not adapts:
        raise GenlabError(
            f"dataset=domain_pair pairs a source and a target domain for domain adaptation, which model "
            f"'{model.model_name}' does not do; use model=dann, or train on one side (dataset={datamodule.target.name})"
        )
    if isinstance(model, Translates) and model.needs_pairs and not datamodule.paired:
        raise GenlabError(
            f"model '{model.model_name}' learns from aligned pairs of images, but dataset '{datamodule.name}' holds "
            "two unpaired domains; use a paired dataset (edges2digits, sr_digits, masked_digits, paired_folder), "
            "or model=cyclegan for unpaired ones"
        )


def check_trainer_fits_model(model: Any, trainer_cfg: DictConfig) -> None:
    """Lightning cannot clip gradients for models that step their own optimisers (GANs)."""
    if not model.automatic_optimization and trainer_cfg.get("gradient_clip_val"):
        raise GenlabError(
            f"trainer.gradient_clip_val={trainer_cfg.gradient_clip_val} cannot apply to '{model.model_name}', "
            "which steps its own optimisers; remove it (WGAN-style weight clipping is model/regulariser=[clip])"
        )


def warn_about_oversubscription(trainer_cfg: DictConfig) -> None:
    """More CPU processes than cores run, but each crawls: say so once instead of silently."""
    devices, cores = trainer_cfg.get("devices", 1), os.cpu_count() or 1
    if trainer_cfg.get("accelerator") == "cpu" and isinstance(devices, int) and devices > cores:
        rank_zero_warn(
            f"genlab: trainer.devices={devices} starts {devices} processes on {cores} CPU cores, so each gets less "
            f"than a core and the run is slower than with trainer.devices={cores}"
        )
