"""Progressive growing of GANs (Karras et al., 2018, PG-GAN) as a game on the adversarial core.

G and D (`genlab/nn/progressive.py`) start at 4 px and grow to the data's side: each new
resolution fades in over a set number of real images, then trains stable (`growth.py`). Real
images are average-pooled to the resolution of the moment and, during a fade-in, blended with
the previous resolution's exactly as G's output is, so D never tells real from fake by
sharpness alone. The paper's parts come from the shared ones: the equalised learning rate and
pixel norm of the style networks, D's minibatch standard deviation, WGAN-GP with the drift term
(`model.regularisers`), G's moving average, Adam (0, 0.99) at 1e-3.

The schedule reads one counter, the real images D has seen, a buffer of the model: the
checkpoint's weights carry it, so a run resumes in the middle of a fade-in at the same α and
`genlab sample` or `eval` of any checkpoint draws at the resolution it had reached.
`train/resolution` and `train/alpha` log it; the growth grids (`genlab.callbacks.images.GrowthGrid`)
keep a picture of each resolution.
Samples, FID and every picture come at the data's side: G's output at the current resolution,
enlarged by nearest neighbour.
"""

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.models.adversarial.core import AdversarialModule, DiscriminatorPlay
from genlab.models.adversarial.game import Game
from genlab.models.adversarial.gan import DiscriminatorFactory, GeneratorFactory
from genlab.models.adversarial.growth import Growth
from genlab.models.capabilities import Grows
from genlab.nn.progressive import Stage, real_at


class ProGAN(AdversarialModule, Grows):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: GeneratorFactory,
        discriminator: DiscriminatorFactory,
        growth: Growth,
        latent_dim: int = 512,
        ema_decay: float | None = None,
        **game: Any,
    ) -> None:
        shape = tuple(int(s) for s in data_shape)
        rules = Game.of(game)
        g = generator(shape, latent_dim)
        d = rules.discriminator(discriminator)(shape, outputs=1)
        growth.check(g.resolutions)
        super().__init__(name, shape, g, d, latent_dim, rules, ema_decay)
        self.growth = growth
        self.resolutions = g.resolutions
        # a buffer, so every load of the weights (`genlab sample`, `eval`, resume) restores the stage
        self.register_buffer("images_seen", torch.zeros((), dtype=torch.long))

    # --- where training stands (Grows)

    def stage(self) -> Stage:
        return self.growth.stage(int(self.images_seen), self.resolutions)

    def current_resolution(self) -> int:
        return self.stage().resolution

    def sample_at(self, n: int, resolution: int, generator: torch.Generator | None = None) -> Tensor:
        now = self.stage()
        if resolution not in self.resolutions or resolution > now.resolution:
            raise GenlabError(
                f"resolution={resolution}: this run has reached {now.resolution} px; ask for one of "
                f"{', '.join(str(r) for r in self.resolutions if r <= now.resolution)}"
            )
        stage = now if resolution == now.resolution else Stage(resolution, 1.0)
        codes = torch.randn(n, self.latent_dim, generator=generator).to(self.device)
        return self.to_data_space(self.sampling_generator()(codes, stage))

    # --- pictures and scores at the data's side

    def generate(self, codes: Tensor, labels: Tensor | None, net: nn.Module) -> Tensor:
        images = net(codes, self.stage())
        return F.interpolate(images, size=self.data_shape[-2:], mode="nearest")

    def score(self, x: Tensor) -> Tensor:
        stage = self.stage()
        return self._critic(stage)(real_at(self.to_model_space(x), stage))

    # --- the game, at the stage of the batch

    def training_step(self, batch: list[Tensor], batch_idx: int) -> None:
        """The batch's first `growth.batch_sizes` images, pooled to the stage's resolution, played
        by the core; then the count of images seen moves on."""
        stage = self.stage()
        shown = batch[0][: self.growth.batch_size(stage.resolution, self.resolutions, len(batch[0]))]
        super().training_step([real_at(shown, stage), *batch[1:]], batch_idx)
        self.images_seen += len(shown)
        terms = {"resolution": stage.resolution, "alpha": stage.alpha, "images": int(self.images_seen)}
        self.log_terms("train", {key: torch.tensor(float(value)) for key, value in terms.items()})

    def _fake(self, n: int, stage: Stage) -> Tensor:
        return self.generator(torch.randn(n, self.latent_dim, device=self.device), stage)

    def _critic(self, stage: Stage) -> Callable[[Tensor], Tensor]:
        return lambda x: self.discriminator(x, stage)

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        stage = self.stage()
        fake = self.generated(lambda: self._fake(len(real), stage))
        return self.critic_loss(self._critic(stage), real, fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        stage = self.stage()
        return {"g_loss": self.adversarial_loss(self._critic(stage), real, self._fake(len(real), stage))}

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        """D's mean output on held-out reals (pooled to the stage) vs fresh samples."""
        stage = self.stage()
        critic = self._critic(stage)
        d_real, d_fake = critic(real_at(real, stage)), critic(self._fake(len(real), stage))
        return {"d_real": d_real.mean(), "d_fake": d_fake.mean()}
