"""Learning-rate schedules as functions of the epoch, applied at the start of every epoch from
the optimiser's `initial_lr` (kept in its state): a resumed run, wherever it stopped, sets the
rate the uninterrupted run had — the reference CycleGAN code restarts its schedule on resume
and its users get a wrong learning rate until they pass the epoch by hand.
"""

from torch.optim import Optimizer

from genlab.errors import GenlabError


class ConstantThenLinear:
    """CycleGAN's and pix2pix's: the full rate for `constant_epochs`, then linearly to zero over
    `decay_epochs`: multiplier(e) = 1 − max(0, e + 1 − constant_epochs) / (decay_epochs + 1)."""

    def __init__(self, constant_epochs: int = 100, decay_epochs: int = 100) -> None:
        if constant_epochs < 0 or decay_epochs < 1:
            raise GenlabError(
                f"ConstantThenLinear(constant_epochs={constant_epochs}, decay_epochs={decay_epochs}): "
                "need constant_epochs ≥ 0 and decay_epochs ≥ 1"
            )
        self.constant_epochs, self.decay_epochs = int(constant_epochs), int(decay_epochs)

    def __call__(self, epoch: int) -> float:
        return 1.0 - max(0, epoch + 1 - self.constant_epochs) / (self.decay_epochs + 1)


def set_epoch_rate(optimizer: Optimizer, multiplier: float) -> None:
    """Every parameter group's rate: its initial rate × `multiplier`."""
    for group in optimizer.param_groups:
        group["lr"] = group.setdefault("initial_lr", group["lr"]) * multiplier
