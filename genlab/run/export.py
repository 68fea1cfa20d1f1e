"""`genlab export ckpt=PATH format=diffusers out=DIR`: a checkpoint as a folder another library
loads (for a DDPM, a diffusers `DDPMPipeline`). The checkpoint is read as any other: weights only,
its config through the allowlist of targets."""

from pathlib import Path

import hydra
from omegaconf import DictConfig

from genlab.checkpoint import derived_path, read_checkpoint, rebuild_model
from genlab.errors import GenlabError
from genlab.models.base import require
from genlab.models.capabilities import ExportsPipeline
from genlab.run.launch import run_app
from genlab.run.user_errors import exit_on_user_error


def export(cfg: DictConfig) -> Path:
    if cfg.ckpt is None:
        raise GenlabError("genlab export needs ckpt=PATH (a .ckpt written by `genlab train`)")
    ckpt = Path(cfg.ckpt).expanduser()
    model = rebuild_model(read_checkpoint(ckpt, trust=cfg.trust_config))
    require(model, ExportsPipeline, f"an export (format={cfg.format})")
    out = Path(cfg.out) if cfg.out else derived_path(ckpt, "export", f"{ckpt.stem}_{cfg.format}")
    if out.exists() and any(out.iterdir()):
        raise GenlabError(f"out={out} exists and is not empty; choose a new folder (nothing was written)")
    model.export(out, cfg.format)
    print(out)
    return out


@hydra.main(version_base="1.3", config_path="pkg://genlab.configs", config_name="export")
def hydra_main(cfg: DictConfig) -> None:
    with exit_on_user_error():
        export(cfg)


def run(args: list[str]) -> int:
    return run_app(hydra_main, args)
