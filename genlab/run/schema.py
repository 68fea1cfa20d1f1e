"""Typed schemas of the composed configs, checked before anything is built or written.

Hydra composes whatever the command line says (`optimizer.lr=-1`, `trainer.max_epochs=abc`), and
the mistake would otherwise surface minutes later as a traceback from deep inside torch or
Lightning, or not at all. The keys people set by hand are declared here once, with their types,
ranges and the fix to suggest, and pydantic checks the composed config against them; keys a
family adds of its own pass through (`extra="allow"`), so a new family needs no edit here unless
it wants its own keys checked. The first violation becomes one `GenlabError` line naming the key,
the value given and the fix.
"""

from typing import Annotated, Any, Literal

from omegaconf import DictConfig, OmegaConf
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from genlab.errors import GenlabError

Count = Annotated[int, Field(gt=0)]
Steps = Annotated[int, Field(ge=-1)]  # Lightning's -1: no limit
Fraction = Annotated[float, Field(gt=0, lt=1)]
Beta = Annotated[float, Field(ge=0, lt=1)]


class Open(BaseModel):
    """Declared keys are checked; undeclared ones pass (families and callbacks add their own)."""

    model_config = ConfigDict(extra="allow")


class Optimizer(Open):
    lr: float = Field(gt=0, description="a positive learning rate, e.g. optimizer.lr=1e-3")
    weight_decay: float = Field(0.0, ge=0, description="weight decay ≥ 0, e.g. optimizer.weight_decay=0")
    betas: tuple[Beta, Beta] | None = Field(None, description="two betas in [0, 1), e.g. optimizer.betas=[0.9,0.999]")
    momentum: float | None = Field(None, ge=0, description="momentum ≥ 0, e.g. optimizer.momentum=0.9")


class Trainer(Open):
    accelerator: Literal["cpu", "gpu", "cuda", "mps", "auto"] = Field(
        "cpu", description="one of cpu, gpu, cuda, mps, auto (or pick trainer=cpu|gpu|ddp|ddp_cpu)"
    )
    devices: Count | Literal["auto"] | list[Annotated[int, Field(ge=0)]] = Field(
        1, description="a process count ≥ 1, auto, or a list of GPU indices, e.g. trainer.devices=2"
    )
    num_nodes: Count = Field(1, description="a node count ≥ 1")
    max_epochs: Steps | None = Field(None, description="an epoch count ≥ 1 (-1: no limit), e.g. trainer.max_epochs=50")
    max_steps: Steps = Field(-1, description="a step count ≥ 1 (-1: no limit), e.g. trainer.max_steps=1000")
    check_val_every_n_epoch: Count | None = Field(1, description="an epoch interval ≥ 1")
    log_every_n_steps: Count = Field(50, description="a step interval ≥ 1, e.g. trainer.log_every_n_steps=10")
    gradient_clip_val: float | None = Field(None, ge=0, description="a norm ≥ 0, or null for no clipping")
    enable_progress_bar: StrictBool = Field(True, description="true or false")
    enable_model_summary: StrictBool = Field(True, description="true or false")
    deterministic: StrictBool | Literal["warn"] = Field(False, description="true, false or warn")
    fast_dev_run: StrictBool | Count = Field(False, description="true, false or a batch count ≥ 1")


class Dataset(Open):
    name: str
    batch_size: Count = Field(description="a batch size ≥ 1, e.g. dataset.batch_size=64")
    num_workers: int = Field(0, ge=0, description="0 (load in the main process) or more worker processes")
    image_size: Count | None = Field(None, description="an image side in pixels ≥ 1, e.g. dataset.image_size=32")
    channels: Count | None = Field(None, description="a channel count ≥ 1 (1 grey, 3 colour)")
    val_fraction: Fraction | None = Field(None, description="a fraction in (0, 1), e.g. dataset.val_fraction=0.1")
    root: str | None = Field(None, description="a folder of images, e.g. dataset.root=/path/to/images")
    bad_images: Literal["error", "check", "skip"] = Field(
        "error", description="error (stop at an undecodable image), check (refuse before training) or skip"
    )


class Model(Open):
    name: str
    latent_dim: Count | None = Field(None, description="a latent size ≥ 1, e.g. model.latent_dim=16")
    beta: float | None = Field(None, ge=0, description="a KL weight β ≥ 0, e.g. model.beta=4")
    ema_decay: Beta | None = Field(None, description="a decay in [0, 1) or null, e.g. model.ema_decay=0.999")


class TrainConfig(Open):
    seed: int = Field(description="an integer seed, e.g. seed=42")
    trust_config: StrictBool = Field(False, description="true or false")
    compile: StrictBool = Field(False, description="true (torch.compile each network) or false")
    compile_backend: Literal["inductor", "aot_eager", "eager", "cudagraphs"] = Field(
        "inductor", description="one of inductor, aot_eager, eager, cudagraphs"
    )
    compile_mode: Literal["default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"] | None = Field(
        None, description="null, default, reduce-overhead, max-autotune or max-autotune-no-cudagraphs"
    )
    channels_last: StrictBool = Field(False, description="true (channels-last convolution weights) or false")
    model: Model
    dataset: Dataset
    optimizer: Optimizer | None = None
    trainer: Trainer


def _as_override(value: Any) -> str:
    """The value as a user would type it: null, 5, abc, [0.9,1.5]."""
    if value is None:
        return "null"
    return str(value).replace("'", "").replace(" ", "") if isinstance(value, list | tuple) else str(value)


def _fix_for(schema: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, str | None]:
    """The dotted key of `loc` (without pydantic's union-branch tags) and the description of its field."""
    names, description = [], None
    for part in loc:
        fields = getattr(schema, "model_fields", None)
        if not isinstance(part, str) or not fields or part not in fields:
            if isinstance(part, int) and names:
                names[-1] += f"[{part}]"
            continue
        names.append(part)
        field = fields[part]
        description = field.description
        annotation = field.annotation
        nested = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)]
        schema = next((a for a in nested if issubclass(a, BaseModel)), None)
    return ".".join(names), description


def validate(cfg: DictConfig, schema: type[BaseModel] = TrainConfig) -> None:
    """Raise a one-line GenlabError for the first value of `cfg` that breaks `schema`."""
    # only the declared top-level nodes: others (paths, hydra, callbacks) may resolve only inside a run
    declared = {name: cfg[name] for name in schema.model_fields if name in cfg}
    missing = sorted(
        key for name, node in declared.items() if OmegaConf.is_config(node) for key in OmegaConf.missing_keys(node)
    )
    if missing:
        _, fix = _fix_for(schema, tuple(missing[0].split(".")))
        raise GenlabError(f"{missing[0]} is required but not set (???); pass {fix or missing[0] + '=...'}")
    data = {
        name: OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
        for name, node in declared.items()
    }
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key, fix = _fix_for(schema, first["loc"])
        value = first.get("input")
        if first["type"] == "missing":
            raise GenlabError(f"{key} is required but not set; pass {fix or key + '=...'}") from None
        others = {_fix_for(schema, e["loc"])[0] for e in exc.errors()} - {key}  # union branches share a key
        more = f" (and {len(others)} more: {', '.join(sorted(others))})" if others else ""
        reason = first["msg"][0].lower() + first["msg"][1:]
        raise GenlabError(f"{key}={_as_override(value)} is invalid: {reason}; pass {fix}{more}") from None
