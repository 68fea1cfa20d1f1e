"""pix2pix (Isola et al., 2017): a conditional GAN whose condition is an image. G maps a source
image a to a target b̂ = G(a); D judges (a, b) pairs patch by patch (a PatchGAN on their
concatenation); G minimises the adversarial loss plus λ_L1·‖b − G(a)‖₁, which carries the low
frequencies while D sharpens the rest. pix2pix feeds G no noise: dropout is its only randomness.

Batches are `(target, source)` (`genlab/data/translation.py`). Validation logs the L1 error,
PSNR and SSIM of G(a) against b beside those of the trivial baseline — the source itself
(`val/baseline_l1`, …) — so "better than doing nothing" is a number. `test_mode` says how G
runs when it translates: `eval` (batch-norm running statistics, no dropout: deterministic) or
`train` (batch statistics and dropout, as the paper's test images were made): explicit, because
the reference code's implicit choice surprises its users.
"""

from typing import Any

import torch
from torch import Tensor

from genlab.errors import GenlabError
from genlab.metrics.fidelity import fidelity_terms
from genlab.models.adversarial.core import DiscriminatorPlay, TwoPlayerModule, running_as
from genlab.models.adversarial.game import Game
from genlab.models.capabilities import Translates
from genlab.models.image_pair import Contract, Geometry, ImagePair, PatchFactory, TranslatorFactory

TEST_MODES = ("eval", "train")


class Pix2Pix(TwoPlayerModule, Translates):
    default_optimized_metric = "val/l1"
    contract = Contract(
        "translates images", "a paired image dataset (dataset=edges2digits, paired_folder)", Geometry.SAME_SIDE
    )

    def __init__(
        self,
        name: str,
        pair: ImagePair,
        generator: TranslatorFactory,
        discriminator: PatchFactory,
        l1_weight: float = 100.0,
        test_mode: str = "eval",
        **game: Any,
    ) -> None:
        target, source = self.contract.shapes(name, pair)
        if test_mode not in TEST_MODES:
            raise GenlabError(f"model.test_mode={test_mode!r}: use eval (deterministic) or train (the paper's)")
        g = generator(source[0], target[0], target[1])
        d = discriminator(source[0] + target[0], target[1])
        super().__init__(name, target, g, d, Game.of(game))
        self.source_shape = source
        self.l1_weight = l1_weight
        self.test_mode = test_mode

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        if direction not in self.directions:
            raise GenlabError(f"direction={direction}: pix2pix translates AtoB only (train it on the swapped pairs)")
        with running_as(self.generator, self.test_mode == "train") as g:
            return self.to_data_space(g(self.to_model_space(x.to(self.device))))

    def _pair(self, source: Tensor, target: Tensor) -> Tensor:
        return self.discriminator(torch.cat([source, target], dim=1))

    # --- the game

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        source = self.to_model_space(batch[1])
        fake = self.generated(lambda: self.generator(source))
        return self.critic_loss(lambda x: self._pair(source, x), real, fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        source = self.to_model_space(batch[1])
        fake = self.generator(source)
        g_loss = self.adversarial_loss(lambda x: self._pair(source, x), real, fake)
        l1 = (fake - real).abs().mean() / 2  # in data units: model space is twice as wide
        return {"g_loss": g_loss, "l1": self.l1_weight * l1}

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        target, source = batch[0], batch[1]
        return fidelity_terms(target, {"": self.translate(source), "baseline_": source})
