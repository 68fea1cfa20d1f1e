"""Context encoders (Pathak et al., 2016): inpainting as a game. G sees an image with a hole
(the embedded `masked_digits`, or a paired folder of holed and complete images) and paints it;
its painting is kept inside the hole only, so the filled image is the source outside and G's
output inside. G minimises `reconstruction_weight` (0.999) × the squared error on the hole
pixels — which has no gradient at all outside the hole (`hole_mse`) — plus
`adversarial_weight` (0.001) × the adversarial loss of D, which judges the hole's bounding box
of real and filled images (for the centred square hole, exactly the painted region, as in the
paper).

The hole is the centred square of `hole` × the side (`genlab.data.domains.Masked`, which made
the embedded sources). Batches are `(complete, holed)`. Validation logs L1, PSNR and SSIM of the
filled images and the MSE on the hole beside the mean-fill baseline's — the hole painted with
the mean of each image's visible pixels (`val/baseline_psnr`, `val/baseline_hole_mse`, …).
"""

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from genlab.data.domains import Masked
from genlab.errors import GenlabError
from genlab.metrics.fidelity import fidelity_terms
from genlab.models.adversarial.core import DiscriminatorPlay, TwoPlayerModule, running_as
from genlab.models.adversarial.game import Game
from genlab.models.capabilities import Translates
from genlab.models.image_pair import Contract, Geometry, ImagePair, TranslatorFactory


def hole_mse(output: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error over the pixels where `mask` is 1 (every channel); the rest of `output`
    gets no gradient."""
    weights = mask.expand_as(output)
    return ((output - target) ** 2 * weights).sum() / weights.sum()


def mean_fill(holed: Tensor, mask: Tensor) -> Tensor:
    """The hole painted with the mean of each image's (and channel's) visible pixels."""
    visible = 1 - mask
    mean = (holed * visible).sum(dim=(2, 3), keepdim=True) / visible.sum()
    return holed * visible + mean * mask


class ContextEncoder(TwoPlayerModule, Translates):
    default_optimized_metric = "val/hole_mse"
    contract = Contract(
        "inpaints",
        "a paired image dataset of holed and complete images (dataset=masked_digits, paired_folder)",
        Geometry.SAME_SHAPE,
    )

    def __init__(
        self,
        name: str,
        pair: ImagePair,
        generator: TranslatorFactory,
        discriminator: Callable[[Sequence[int]], nn.Module],
        hole: float = 0.5,
        reconstruction_weight: float = 0.999,
        adversarial_weight: float = 0.001,
        **game: Any,
    ) -> None:
        target, source = self.contract.shapes(name, pair)
        mask = Masked(hole).mask(target[1])
        rows, cols = torch.nonzero(mask, as_tuple=True)
        self.box = (slice(int(rows.min()), int(rows.max()) + 1), slice(int(cols.min()), int(cols.max()) + 1))
        g = generator(source[0], target[0], target[1])
        d = discriminator((target[0], int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)))
        super().__init__(name, target, g, d, Game.of(game))
        self.source_shape = source
        self.register_buffer("mask", mask[None, None])
        self.reconstruction_weight, self.adversarial_weight = reconstruction_weight, adversarial_weight

    def fill(self, holed: Tensor, painting: Tensor) -> Tensor:
        """The source outside the hole, G's painting inside."""
        return holed * (1 - self.mask) + painting * self.mask

    def crop(self, x: Tensor) -> Tensor:
        """The hole's bounding box: what D judges."""
        return x[..., self.box[0], self.box[1]]

    def hole_critic(self, x: Tensor) -> Tensor:
        """D on the hole's bounding box of an image."""
        return self.discriminator(self.crop(x))

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        if direction not in self.directions:
            raise GenlabError(f"direction={direction}: a context encoder translates AtoB (holed → complete) only")
        holed = self.to_model_space(x.to(self.device))
        with running_as(self.generator, False) as g:
            return self.to_data_space(self.fill(holed, g(holed)))

    # --- the game

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        holed = self.to_model_space(batch[1])
        fake = self.generated(lambda: self.fill(holed, self.generator(holed)))
        return self.critic_loss(self.hole_critic, real, fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        holed = self.to_model_space(batch[1])
        painting = self.generator(holed)
        fake = self.fill(holed, painting)
        return {
            "g_loss": self.adversarial_weight * self.adversarial_loss(self.hole_critic, real, fake),
            "hole_mse": self.reconstruction_weight * hole_mse(painting, real, self.mask),
        }

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        complete, holed = batch[0], batch[1]
        guesses = {"": self.translate(holed), "baseline_": mean_fill(holed, self.mask)}
        terms = fidelity_terms(complete, guesses)
        for prefix, guess in guesses.items():
            terms[f"{prefix}hole_mse"] = hole_mse(guess, complete, self.mask)
        return terms
