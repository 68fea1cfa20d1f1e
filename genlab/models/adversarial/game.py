"""The rules every adversarial family plays by, as one part of the two-player core.

Each family's YAML spells them flat beside its own knobs (`model.objective=hinge`,
`model/regulariser=[r1]`, `model/view=[packing]`, `model.balance.n_critic=5`,
`model.unroll_steps=5`, `model.lr_schedule=…`, the optimizer);
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
from genlab.nn.discriminator_views import DiscriminatorFactory, View
from genlab.objectives.adversarial import OBJECTIVES
from genlab.objectives.regularisers import Regulariser


@dataclass
class Game:
    """What D and G minimise, D's regularisers, how D sees the batch (`views`: packing, minibatch
    standard deviation), how the players' steps are balanced, how many of D's steps G looks ahead
    (`unroll_steps`, `lookahead.py`), their optimiser and an optional learning-rate schedule by
    epoch (`genlab/models/lr_schedules.py`)."""

    objective: str = "non_saturating"
    regularisers: Mapping[str, Regulariser] = field(default_factory=dict)
    views: Mapping[str, View] = field(default_factory=dict)
    balance: Balance = field(default_factory=Balance)
    unroll_steps: int = 0
    optimizer: OptimizerFactory | None = None
    lr_schedule: Callable[[int], float] | None = None
    views_applied: bool = field(default=False, init=False)  # set by `discriminator`, checked by the core

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise GenlabError(f"model.objective={self.objective!r} is unknown; choose one of {', '.join(OBJECTIVES)}")
        if self.unroll_steps < 0:
            raise GenlabError(f"model.unroll_steps={self.unroll_steps} must be ≥ 0 (0: G plays the plain D)")
        self.regularisers = dict(self.regularisers or {})
        self.views = dict(self.views or {})
        self.balance = self.balance or Balance()
        self.unroll_steps = int(self.unroll_steps)
        blind = [name for name, view in self.views.items() if not view.input_gradients_defined]
        if blind:
            self.refuse_input_gradient_penalties(f"model.views.{blind[0]} makes D judge several examples at once")

    def discriminator(self, factory: DiscriminatorFactory) -> DiscriminatorFactory:
        """`factory` with every view wrapped around its networks, in the order given."""
        self.views_applied = True
        for view in self.views.values():
            factory = view.wrap(factory)
        return factory

    def check_views_applied(self) -> None:
        """Views are for discriminators built from a data-shape factory; a family that builds its D
        otherwise (the translators' patch critics) never asks for them, and is refused here."""
        if self.views and not self.views_applied:
            raise GenlabError(
                f"model.views.{next(iter(self.views))} is not defined for this family (its discriminator is "
                "built per image pair, not from the data's shape); drop model/view"
            )

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> "Game":
        """The game from a family's leftover model options; a key that is no rule is refused in one line."""
        rules = [f.name for f in fields(cls) if f.init]
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
