"""The rules every adversarial family plays by, as one part of the two-player core.

Each family's YAML spells them flat beside its own knobs (`model.objective=hinge`,
`model/regulariser=[r1]`, `model.balance.n_critic=5`, `model.lr_schedule=…`, the optimizer);
each family's constructor names only its own knobs and hands the rest, as `**game`, to
`Game.of`, which keeps the one list of what a game's rules are and refuses what is not one.
So a rule added here reaches every family at once, and no family re-declares the tail of
arguments it only passes through.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from genlab.errors import GenlabError
from genlab.models.adversarial.balance import Balance
from genlab.models.base import OptimizerFactory
from genlab.objectives.adversarial import OBJECTIVES
from genlab.objectives.regularisers import Regulariser


@dataclass
class Game:
    """What D and G minimise, D's regularisers, how the players' steps are balanced, their
    optimiser and an optional learning-rate schedule by epoch (`genlab/models/lr_schedules.py`)."""

    objective: str = "non_saturating"
    regularisers: Mapping[str, Regulariser] = field(default_factory=dict)
    balance: Balance = field(default_factory=Balance)
    optimizer: OptimizerFactory | None = None
    lr_schedule: Callable[[int], float] | None = None

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise GenlabError(f"model.objective={self.objective!r} is unknown; choose one of {', '.join(OBJECTIVES)}")
        self.regularisers = dict(self.regularisers or {})
        self.balance = self.balance or Balance()

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> "Game":
        """The game from a family's leftover model options; a key that is no rule is refused in one line."""
        rules = [f.name for f in fields(cls)]
        unknown = sorted(set(options) - set(rules))
        if unknown:
            raise GenlabError(
                f"model.{unknown[0]} is not an option of this model; drop it (the game's options are "
                f"{', '.join(rules)}; the model's own are in its YAML: genlab list model)"
            )
        return cls(**options)

    def refuse_input_gradient_penalties(self, why: str) -> None:
        """For games whose D has no single input to differentiate (BiGAN's pairs, CycleGAN's two
        Ds): name the first regulariser that needs input gradients, say `why`, suggest the others."""
        probes = [key for key, r in self.regularisers.items() if r.input_gradients]
        if probes:
            raise GenlabError(
                f"model.regularisers.{probes[0]}: {why}, so penalties on D's input gradients are not defined "
                "for it; drop it (spectral norm and weight clipping work)"
            )
