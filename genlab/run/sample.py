"""`genlab sample ckpt=PATH n=64`: a PNG grid from a checkpoint file alone.

Models with a prior draw `n` samples (`truncation=ψ` pulls codes towards the mean), or with
`mode=interpolate` walk from one random code to another in rows of `steps` images (`lerp` or
`slerp`); diffusion models draw them with `sampler=ddpm|ddim|dpm` in `steps` denoising steps
(default: the checkpoint's sampler and its step count); autoencoders reconstruct `n` validation
images (inputs above outputs), rebuilding the dataset from the config stored in the checkpoint.
"""

import math
from pathlib import Path

import torch
from omegaconf import DictConfig
from torch import Tensor
from torchvision.utils import make_grid, save_image

from genlab.analysis.grids import inputs_above_outputs
from genlab.analysis.interpolation import interpolation_grid
from genlab.checkpoint import derived_path, read_checkpoint, rebuild_datamodule, rebuild_model
from genlab.data.base import first_examples
from genlab.errors import GenlabError
from genlab.models.base import require
from genlab.models.capabilities import DecodesLatents, Reconstructs, Samples, ShowsDenoising
from genlab.run.arguments import check_sample
from genlab.run.choices import check_truncation, choose_sampler

INTERPOLATION_STEPS = 8  # images per row of mode=interpolate when steps= is not given


def prior_images(model, cfg: DictConfig) -> tuple[str, Tensor, int]:
    """(file-name tag, images, images per row) for a model that samples. A plain grid needs only
    `Samples`; truncation and interpolation choose the codes, so they need `DecodesLatents`."""
    check_truncation(cfg.truncation)
    generator = torch.Generator().manual_seed(cfg.seed)
    grid_nrow = cfg.nrow or model.grid_nrow(cfg.n) or math.ceil(math.sqrt(cfg.n))
    if cfg.mode == "grid" and cfg.truncation == 1:
        tag = choose_sampler(model, cfg.sampler, cfg.steps, cfg.guidance)
        return f"samples{tag}", model.sample(cfg.n, generator), grid_nrow
    require(model, DecodesLatents, f"samples from chosen codes (mode={cfg.mode}, truncation={cfg.truncation})")
    psi = "" if cfg.truncation == 1 else f"_psi{cfg.truncation:g}"
    if cfg.mode == "grid":
        z = torch.randn(cfg.n, model.latent_dim, generator=generator)
        return f"samples{psi}", model.decode_truncated(z, cfg.truncation), grid_nrow
    if cfg.mode == "interpolate":
        steps = cfg.steps or INTERPOLATION_STEPS
        if cfg.interpolation not in ("lerp", "slerp") or steps < 2:
            raise GenlabError(
                f"interpolation={cfg.interpolation}, steps={steps}: use lerp or slerp with at least 2 steps"
            )
        rows = max(1, cfg.n // steps)
        endpoints = torch.randn(2 * rows, model.latent_dim, generator=generator)
        z = interpolation_grid(endpoints, steps, cfg.interpolation)
        labels = model.grid_labels(len(z), per_row=steps)  # each walk keeps one category
        images = model.decode_truncated(z, cfg.truncation, labels)
        return f"interpolation-{cfg.interpolation}{psi}", images, steps
    raise GenlabError(f"mode={cfg.mode} is unknown; use grid or interpolate (diffusion models: chain, noising)")


def diffusion_pictures(model, cfg: DictConfig, checkpoint: dict) -> tuple[str, Tensor, int]:
    """mode=chain: rows of x_T → x₀ from noise; mode=noising: rows of real images x₀ → x_T."""
    require(model, ShowsDenoising, f"pictures of the diffusion process (mode={cfg.mode})")
    if cfg.frames < 2:
        raise GenlabError(f"frames={cfg.frames}: a chain needs at least 2 frames (x_T and x₀)")
    rows = max(1, cfg.n // cfg.frames)
    if cfg.mode == "chain":
        tag = choose_sampler(model, cfg.sampler, cfg.steps, cfg.guidance)
        return (
            f"chain{tag}",
            model.denoising_chain(rows, cfg.frames, torch.Generator().manual_seed(cfg.seed)),
            cfg.frames,
        )
    x = first_examples(rebuild_datamodule(checkpoint, "validate").val_set, rows)
    return "noising", model.forward_noising(x, cfg.frames), cfg.frames


def sample(cfg: DictConfig) -> Path:
    ckpt = check_sample(cfg)
    checkpoint = read_checkpoint(ckpt, trust=cfg.trust_config)
    model = rebuild_model(checkpoint)
    if len(model.data_shape) != 3:
        raise GenlabError(f"model '{model.model_name}' works on {list(model.data_shape)}-shaped points, not images")
    with torch.no_grad():
        if cfg.mode in ("chain", "noising"):
            kind, images, nrow = diffusion_pictures(model, cfg, checkpoint)
            count = len(images)
        elif isinstance(model, Samples):
            kind, images, nrow = prior_images(model, cfg)
            count = len(images)  # walks fill whole rows: n=64 steps=10 draws 60
        elif isinstance(model, Reconstructs):
            kind, nrow = "reconstructions", cfg.nrow or math.ceil(math.sqrt(2 * cfg.n))
            x = first_examples(rebuild_datamodule(checkpoint, "validate").val_set, cfg.n)
            images, count = inputs_above_outputs(x, model.reconstruct(x), nrow), len(x)
        else:
            require(model, Samples, "a grid of samples (nor does it have Reconstructs, for reconstructions)")
    name = f"{ckpt.stem}_{kind}_n{count}_seed{cfg.seed}.png"  # n: the images drawn (examples reconstructed)
    out = Path(cfg.out) if cfg.out else derived_path(ckpt, "samples", name)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_image(make_grid(images.clamp(0, 1), nrow=nrow, padding=2, pad_value=1.0), out)
    print(out)
    return out
