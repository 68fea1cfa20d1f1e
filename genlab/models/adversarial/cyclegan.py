"""CycleGAN (Zhu et al., 2017): translation between two domains without pairs. Two generators,
G_AB and G_BA, and two discriminators, D_A (real A images vs G_BA's) and D_B (real B vs G_AB's),
play two games at once; what ties each translation to its input is cycle consistency,
λ·(‖G_BA(G_AB(a)) − a‖₁ + ‖G_AB(G_BA(b)) − b‖₁), plus an identity term,
λ_id·λ·(‖G_AB(b) − b‖₁ + ‖G_BA(a) − a‖₁), which keeps colours where they need not change.

On the two-player core, "G" is the pair of generators (one optimiser) and "D" the pair of
discriminators (one optimiser); each D is shown generated images through its own image pool
(`pool.py`, 50 by default, in the checkpoint). The paper's recipe is YAML
(`configs/model/cyclegan.yaml`): least-squares objective, λ = 10, λ_id = 0.5, ResNet generators,
70×70 PatchGANs with instance norm, Adam(2e-4, β=(0.5, 0.999)), the learning rate constant for
100 epochs and then linearly to zero over 100 (`ConstantThenLinear`, exact on resume).

Batches are `(b, a)`: a B image and an unrelated A image (`UnpairedDigits`, unpaired folders).
Validation logs each cycle's L1 error and each D's mean output on held-out images.
"""

from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.models.adversarial.core import DiscriminatorPlay, TwoPlayerModule, running_as
from genlab.models.adversarial.game import Game
from genlab.models.adversarial.pool import ImagePool
from genlab.models.capabilities import Translates
from genlab.models.image_pair import Contract, Geometry, ImagePair, PatchFactory, TranslatorFactory


class CycleGAN(TwoPlayerModule, Translates):
    default_optimized_metric = "val/cycle_l1"
    directions = ("AtoB", "BtoA")
    needs_pairs = False
    contract = Contract(
        "translates images",
        "a paired image dataset or two image domains (dataset=inverted_digits, unpaired_folder)",
        Geometry.SAME_SIDE,
    )

    def __init__(
        self,
        name: str,
        pair: ImagePair,
        generator: TranslatorFactory,
        discriminator: PatchFactory,
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        pool_size: int = 50,
        **game: Any,
    ) -> None:
        b_shape, a_shape = self.contract.shapes(name, pair)
        rules = Game.of(game)
        rules.refuse_input_gradient_penalties("CycleGAN has two discriminators and the penalties are wired for one")
        if identity_weight and a_shape[0] != b_shape[0]:
            raise GenlabError(
                f"model.identity_weight={identity_weight} needs domains with the same channels, got {a_shape[0]} and "
                f"{b_shape[0]}; set model.identity_weight=0"
            )
        side = b_shape[1]
        g = nn.ModuleDict(
            {"AtoB": generator(a_shape[0], b_shape[0], side), "BtoA": generator(b_shape[0], a_shape[0], side)}
        )
        d = nn.ModuleDict({"A": discriminator(a_shape[0], side), "B": discriminator(b_shape[0], side)})
        super().__init__(name, b_shape, g, d, rules)
        self.source_shape = a_shape
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight
        self.pools = nn.ModuleDict({"A": ImagePool(pool_size, a_shape), "B": ImagePool(pool_size, b_shape)})

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        if direction not in self.directions:
            raise GenlabError(f"direction={direction}: use AtoB or BtoA")
        with running_as(self.generator, False) as g:
            return self.to_data_space(g[direction](self.to_model_space(x.to(self.device))))

    def _domains(self, batch: list[Tensor]) -> tuple[Tensor, Tensor]:
        """(a, b) in model space."""
        return self.to_model_space(batch[1]), self.to_model_space(batch[0])

    def _judge(self, domain: str, real: Tensor, fake: Tensor) -> Tensor:
        d = self.discriminator[domain]
        d_real, d_fake = d(self.noisy(real)), d(self.noisy(fake))
        return self.objective.discriminator(d_real, d_fake, self.balance.real_target(d_real))

    # --- the game

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        a, b = self._domains(batch)
        fake_b = self.generated(lambda: self.generator["AtoB"](a))
        fake_a = self.generated(lambda: self.generator["BtoA"](b))
        losses = {
            "d_loss": self._judge("B", b, self.pools["B"].query(fake_b)),
            "d_loss_a": self._judge("A", a, self.pools["A"].query(fake_a)),
        }
        return DiscriminatorPlay(losses, {}, self.discriminator["B"], fake_b)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        a, b = self._domains(batch)
        g_ab, g_ba = self.generator["AtoB"], self.generator["BtoA"]
        fake_b, fake_a = g_ab(a), g_ba(b)
        adversarial = self.objective.generator(None, self.discriminator["B"](self.noisy(fake_b)))
        adversarial = adversarial + self.objective.generator(None, self.discriminator["A"](self.noisy(fake_a)))
        cycle = F.l1_loss(g_ba(fake_b), a) + F.l1_loss(g_ab(fake_a), b)
        losses = {"g_loss": adversarial, "cycle": self.cycle_weight * cycle}
        if self.identity_weight:
            identity = F.l1_loss(g_ab(b), b) + F.l1_loss(g_ba(a), a)
            losses["identity"] = self.identity_weight * self.cycle_weight * identity
        return losses

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        a_data, b_data = batch[1], batch[0]
        to_b, to_a = self.translate(a_data, "AtoB"), self.translate(b_data, "BtoA")
        a, b = self._domains(batch)
        return {
            "cycle_l1": F.l1_loss(self.translate(to_b, "BtoA"), a_data)
            + F.l1_loss(self.translate(to_a, "AtoB"), b_data),
            "d_b_real": self.discriminator["B"](b).mean(),
            "d_b_fake": self.discriminator["B"](self.to_model_space(to_b)).mean(),
            "d_a_real": self.discriminator["A"](a).mean(),
            "d_a_fake": self.discriminator["A"](self.to_model_space(to_a)).mean(),
        }
