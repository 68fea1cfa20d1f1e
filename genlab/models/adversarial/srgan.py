"""SRGAN (Ledig et al., 2017): super-resolution as a game. G (an SRResNet, `genlab/nn/srresnet.py`)
maps a low-resolution image to one `scale` times larger; D judges high-resolution images alone.

Training has two phases, by G step (the step counter is in the checkpoint, so a resumed run is
in the phase the uninterrupted one was):
1. `pretrain_steps` G steps of pixel MSE alone, no D: the SRResNet of the paper, which SRGAN
   starts from so that D does not meet noise;
2. then the game: G minimises l_X + `adversarial_weight`·l_Gen (10⁻³), where the content loss
   l_X is pixel MSE (the paper's SRGAN-MSE) or, with `model/content=vgg`, the distance of VGG19
   features (SRGAN-VGG54), or of a genlab classifier's (`model/content=classifier`, offline;
   `genlab/objectives/content.py`).

Batches are `(high, low)`. Validation logs L1, PSNR and SSIM of G(low) against the high image
beside bicubic upsampling's (`val/baseline_psnr`, …); G translates in eval mode (batch-norm
running statistics).
"""

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.metrics.fidelity import fidelity_terms
from genlab.models.adversarial.core import DiscriminatorPlay, TwoPlayerModule, running_as
from genlab.models.adversarial.game import Game
from genlab.models.capabilities import Translates
from genlab.models.image_pair import Contract, Geometry, ImagePair, PatchFactory
from genlab.objectives.content import ContentLoss

UpscalerFactory = Callable[[int, int, int], nn.Module]  # (low-resolution channels, high-resolution channels, scale)


def scale_factor(low: Sequence[int], high: Sequence[int]) -> int:
    """How many times larger the high-resolution side is; refused unless a whole power of two."""
    scale = high[1] // low[1] if low[1] else 0
    if len(high) != 3 or high[1:] != (low[1] * scale, low[2] * scale) or scale < 2 or scale & (scale - 1):
        raise GenlabError(
            f"super-resolution maps images to ones 2, 4 or 8 times larger, got {list(low)} → {list(high)}; "
            "use dataset=sr_digits or a paired folder of low- and high-resolution images"
        )
    return scale


class SRGAN(TwoPlayerModule, Translates):
    default_optimized_metric = "val/l1"
    contract = Contract(
        "super-resolves images",
        "a paired image dataset of low- and high-resolution images (dataset=sr_digits, paired_folder)",
        Geometry.ANY,
    )

    def __init__(
        self,
        name: str,
        pair: ImagePair,
        generator: UpscalerFactory,
        discriminator: PatchFactory,
        content: ContentLoss | None = None,
        pretrain_steps: int = 1000,
        adversarial_weight: float = 1e-3,
        **game: Any,
    ) -> None:
        high, low = self.contract.shapes(name, pair)
        if pretrain_steps < 0:
            raise GenlabError(f"model.pretrain_steps={pretrain_steps} must be ≥ 0 (generator steps of MSE alone)")
        scale = scale_factor(low, high)
        g, d = generator(low[0], high[0], scale), discriminator(high[0], high[1])
        super().__init__(name, high, g, d, Game.of(game))
        self.source_shape = low
        self.content = content
        self.pretrain_steps, self.adversarial_weight = int(pretrain_steps), float(adversarial_weight)

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        if direction not in self.directions:
            raise GenlabError(f"direction={direction}: SRGAN translates AtoB (low → high resolution) only")
        with running_as(self.generator, False) as g:
            return self.to_data_space(g(self.to_model_space(x.to(self.device))))

    @property
    def pretraining(self) -> bool:
        return self.g_steps < self.pretrain_steps

    def on_fit_start(self) -> None:
        """Load the content network now: a missing weights file stops the run before its first step."""
        if self.content is not None:
            self.content.prepare()

    def _content(self, fake: Tensor, real: Tensor) -> dict[str, Tensor]:
        if self.content is None or self.pretraining:
            return {"mse": F.mse_loss(fake, real)}
        return {self.content.name: self.content.weight * self.content.loss((fake + 1) / 2, (real + 1) / 2)}

    # --- the game

    def training_step(self, batch: list[Tensor], batch_idx: int) -> None:
        if not self.pretraining:
            return super().training_step(batch, batch_idx)
        opt_g, _ = self.optimizers()
        terms = self._generator_step(self.to_model_space(batch[0]), batch, opt_g)
        terms["g_steps"] = torch.tensor(float(self.g_steps))
        self.log_terms("train", terms)
        return None

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        fake = self.generated(lambda: self.generator(self.to_model_space(batch[1])))
        return self.critic_loss(self.discriminator, real, fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        fake = self.generator(self.to_model_space(batch[1]))
        losses = self._content(fake, real)
        if not self.pretraining:
            losses["g_loss"] = self.adversarial_weight * self.adversarial_loss(self.discriminator, real, fake)
        return losses

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        high, low = batch[0], batch[1]
        bicubic = F.interpolate(low, size=high.shape[-2:], mode="bicubic", align_corners=False).clamp(0, 1)
        return fidelity_terms(high, {"": self.translate(low), "baseline_": bicubic})
