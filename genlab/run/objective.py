"""What `genlab train` returns: the value of `optimized_metric`, so a Hydra sweeper (Optuna) can
minimise it over a sweep.

`optimized_metric` is either a logged key (`val/loss`, `val/elbo`, …) or the name of a metric of
the evaluation callback (`fid`, `kid`, …, with `evaluation=domain|inception`), whose logged key
carries the feature space (`metrics/fid[digits-classifier]`). Unset, the model's family decides
(`default_optimized_metric`: `val/loss` for autoencoders, `fid` for adversarial models, which
then need evaluation on; without it they return nothing). The returned value is the last one
logged, that of the weights in `last.ckpt`.
"""

from collections.abc import Sequence

import lightning as L
from lightning.pytorch.utilities import rank_zero_warn

from genlab.callbacks.sample_metrics import SampleMetrics
from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule


def optimized_metric(requested: str | None, model: GenerativeModule, callbacks: Sequence[L.Callback]) -> str | None:
    """The metric this run will report, checked before training starts."""
    name = requested or model.default_optimized_metric
    if name is None or "/" in name:
        return name
    if any(isinstance(c, SampleMetrics) and name in c.names for c in callbacks):
        return name
    if requested is None:
        return None  # a GAN trained without evaluation: nothing to optimise, nothing wrong
    raise GenlabError(
        f"optimized_metric={name} is computed only with evaluation on; add evaluation=domain "
        f"(callbacks.metrics.classifier=PATH) or evaluation=inception, with {name} in callbacks.metrics.metrics"
    )


def final_value(trainer: L.Trainer, name: str | None) -> float | None:
    """The last logged value of `name` (a key, or an evaluation metric in whatever feature space)."""
    if name is None:
        return None
    logged = trainer.callback_metrics
    keys = [name] if "/" in name else [k for k in logged if k.startswith(f"metrics/{name}[")]
    key = next((k for k in keys if k in logged), None)
    if key is not None:
        return float(logged[key])
    rank_zero_warn(
        f"genlab: optimized_metric={name} was never logged, so this run returns no value to a sweeper; "
        f"logged keys: {', '.join(sorted(k for k in logged if '/' in k)) or 'none'}"
    )
    return None
