"""A model's training and validation terms over the epoch, kept by genlab and handed to Lightning
only when Lightning writes them.

Why not `self.log(..., on_step=True, on_epoch=True)` for every term on every batch: each call
costs about 0.25 ms on the CPU whatever the device (Lightning moves its accumulator to the value's
device on every call), and a VAE logs five terms a step whose whole step takes 29 ms, so 4 % of a
run went to bookkeeping that the logger reads once every `trainer.log_every_n_steps` batches.

Here each batch's terms go into running sums (one addition per term, no host synchronisation).
Lightning receives a term's step value only on the batches it writes to the logger (the progress
bar, `genlab.callbacks.progress.TermsProgressBar`, reads `last` when it redraws), and the epoch
means once at the epoch's end, under the names it always used: `train/<term>_step` and `train/<term>_epoch` in
TensorBoard, plus `train/<term>` (the epoch mean) for checkpoint monitors and sweep objectives.

The sums are part of the checkpoint (`genlab.models.base`), so an epoch stopped and resumed mid-way
reports the mean over all its batches; Lightning keeps no such state, and its means covered only
the batches after the resume. (Under DDP each rank sums its own batches and the checkpoint holds
rank 0's; after a mid-epoch resume that epoch's mean is rank 0's share counted for every rank.)

Validation terms (`ValidationMeans`) are kept the same way for the same reason: a VAE validation
batch logged eight values at 0.4 ms each, a sixth of the batch's time. Their means go to Lightning
once, at the end of the validation run, as `val/<term>`, weighted by batch size as Lightning's
epoch means are and summed over the ranks under DDP, so the figures are Lightning's to float
rounding.
"""

from collections.abc import Callable

import lightning as L
import torch
from torch import Tensor


class TrainingTerms:
    """Per-term running sums and counts for one epoch, and the last batch's terms.

    A term missing from some batches (a GAN's generator loss with several critic steps per
    generator step, a lazy regulariser) is averaged over the batches that have it, as Lightning did.
    """

    def __init__(self) -> None:
        self.epoch = -1
        self.sums: dict[str, Tensor] = {}
        self.counts: dict[str, int] = {}
        self.last: dict[str, Tensor] = {}

    def add(self, epoch: int, terms: dict[str, Tensor]) -> None:
        """Record one batch's terms; the first batch of a new epoch starts new sums."""
        if epoch != self.epoch:
            self.epoch, self.sums, self.counts = epoch, {}, {}
        self.last = {key: value.detach() for key, value in terms.items()}
        for key, value in self.last.items():
            # in fp32 at least, so that bf16 terms do not round the sum of a long epoch
            value = value.to(torch.promote_types(value.dtype, torch.float32))
            self.sums[key] = self.sums[key] + value if key in self.sums else value
            self.counts[key] = self.counts.get(key, 0) + 1

    def means(self, epoch: int) -> dict[str, Tensor]:
        """Each term's mean over `epoch`'s batches so far; none if no batch of it was recorded."""
        if epoch != self.epoch:
            return {}
        return {key: total / self.counts[key] for key, total in self.sums.items()}

    def state_dict(self) -> dict:
        """Plain tensors, numbers and strings: it loads with `torch.load(weights_only=True)`."""
        return {"epoch": self.epoch, "sums": {k: v.cpu() for k, v in self.sums.items()}, "counts": dict(self.counts)}

    def load_state_dict(self, state: dict) -> None:
        """The sums stay on the CPU: as 0-d tensors they add to a term on any device, and the
        sum then lives on the term's."""
        self.epoch = int(state["epoch"])
        self.sums = dict(state["sums"])
        self.counts = {key: int(count) for key, count in state["counts"].items()}
        self.last = {}


class ValidationMeans:
    """Per-term sums of batch means times batch sizes, and the examples counted, over one
    validation run."""

    def __init__(self) -> None:
        self.sums: dict[str, Tensor] = {}
        self.sizes: dict[str, int] = {}

    def reset(self) -> None:
        self.sums, self.sizes = {}, {}

    def add(self, terms: dict[str, Tensor], batch_size: int) -> None:
        for key, value in terms.items():
            value = value.detach().to(torch.promote_types(value.dtype, torch.float32)) * batch_size
            self.sums[key] = self.sums[key] + value if key in self.sums else value
            self.sizes[key] = self.sizes.get(key, 0) + batch_size

    def means(self, total: Callable[[Tensor], Tensor]) -> dict[str, Tensor]:
        """Each term's mean over the examples of the run. `total` sums a tensor over the processes
        (the identity in one process): every rank must hold the same terms, as every rank runs the
        same validation step."""
        if not self.sums:
            return {}
        keys = sorted(self.sums)
        device = self.sums[keys[0]].device
        sizes = torch.tensor([float(self.sizes[key]) for key in keys], device=device)
        totals = total(torch.cat([torch.stack([self.sums[key].float() for key in keys]), sizes]))
        return dict(zip(keys, totals[: len(keys)] / totals[len(keys) :], strict=True))


def logger_writes_now(trainer: L.Trainer) -> bool:
    """Whether Lightning writes the step values to a logger after this batch (every
    `trainer.log_every_n_steps` stepping batches, on the last one before a stop, and on every batch
    of a `fast_dev_run`; never without a logger). Lightning decides it in a property of its logger
    connector, which has no public name; reading it keeps genlab's step values on exactly the
    steps Lightning writes."""
    return bool(trainer.loggers) and (bool(trainer.fast_dev_run) or trainer._logger_connector.should_update_logs)
