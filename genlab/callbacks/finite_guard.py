"""Stops training at the first non-finite loss term or weight, before a checkpoint can record it.

After every training batch it checks the terms the model logged for that batch
(`GenerativeModule.training_terms.last`) and (by default) every weight. At the first NaN or
infinity it ends the run with one line naming the step and the terms (or the weight), so the
checkpoints already on disk — `last.ckpt` from the last finished epoch — stay finite, and the exit
is non-zero. Under DDP the ranks agree in one collective whether any of them saw one, so all stop
together (a loss term can be NaN on one rank's batch only).
"""

import math

import lightning as L
import torch

from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule


class NonFiniteGuard(L.Callback):
    def __init__(self, check_weights: bool = True) -> None:
        self.check_weights = check_weights

    def on_train_batch_end(self, trainer, pl_module: GenerativeModule, outputs, batch, batch_idx) -> None:
        bad = non_finite_terms(pl_module.training_terms.last)
        if not bad and self.check_weights and not weights_finite(pl_module):
            bad = [f"weight {name}" for name, p in pl_module.named_parameters() if not torch.isfinite(p).all()][:1]
        if trainer.strategy.reduce_boolean_decision(bool(bad), all=False):
            what = ", ".join(bad) or "terms on another rank"
            raise GenlabError(
                f"training diverged at step {trainer.global_step}: non-finite {what}; "
                "stopped before writing it into a checkpoint (checkpoints/ keeps the last finite one, if an epoch "
                "ended); lower optimizer.lr, or set callbacks.finite_guard=null to train on regardless"
            )


def non_finite_terms(terms: dict[str, torch.Tensor]) -> list[str]:
    """`train/<term>` for each non-finite term, from one host synchronisation when all are finite:
    their sum (0-d tensors add across devices) is NaN or infinite exactly when a term is."""
    if not terms or math.isfinite(sum(value.float() for value in terms.values())):
        return []
    return sorted(f"train/{key}" for key, value in terms.items() if not math.isfinite(value))


@torch.no_grad()
def weights_finite(module: torch.nn.Module) -> bool:
    """Whether every weight is finite, from one sum per tensor (in fp32, so half-precision
    weights cannot overflow it): a sum is NaN or infinite exactly when a term is (barring a
    finite overflow past 3e38), and summing reads each weight once without allocating a mask
    as large as the model — `isfinite` per element cost a 19M-parameter pix2pix 9 % of its CPU
    step. One host synchronisation a step; the offender is looked for only when there is one."""
    sums = [p.sum(dtype=torch.float32) for p in module.parameters()]
    return not sums or bool(torch.isfinite(torch.stack(sums)).all())
