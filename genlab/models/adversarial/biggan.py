"""BigGAN (Brock et al., 2019) as the standard game (`gan.GAN`) with BigGAN's parts in YAML —
its networks (`genlab/nn/biggan.py`: shared class embedding, hierarchical latents into conditional
batch norm, residual blocks, self-attention, a projection D), the projection conditioning
(`model/conditioning=label_projected`), the hinge loss, spectral norm on D (`model/regulariser`)
and in G (built into its layers), G's moving average, Adam (0, 0.999) with D's rate 2e-4 and
G's 5e-5 — and two things of its own:

- orthogonal regularisation of G (`genlab/objectives/orthogonal.py`), weight `orthogonal`
  (the paper's 1e-4), added to G's loss;
- the truncation trick by resampling (`genlab.analysis.interpolation.resample_truncated`): codes
  from N(0, 1) truncated at ±2 and scaled by ψ, so `genlab sample truncation=ψ` and
  `genlab eval truncation=ψ` trade diversity for fidelity as the paper's figures do.
"""

from collections.abc import Sequence
from typing import Any

from torch import Tensor

from genlab.analysis.interpolation import resample_truncated
from genlab.errors import GenlabError
from genlab.models.adversarial.conditioning import Conditioning
from genlab.models.adversarial.gan import GAN, DiscriminatorFactory, GeneratorFactory
from genlab.objectives.orthogonal import orthogonal_penalty

NOT_ORTHOGONALISED = ("shared",)  # the class embedding, as in the authors' code


class BigGAN(GAN):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: GeneratorFactory,
        discriminator: DiscriminatorFactory,
        latent_dim: int = 120,
        conditioning: Conditioning | None = None,
        orthogonal: float = 1e-4,
        ema_decay: float | None = None,
        **game: Any,
    ) -> None:
        if orthogonal < 0:
            raise GenlabError(f"model.orthogonal={orthogonal} must be ≥ 0 (the paper: 1e-4; 0: off)")
        super().__init__(name, data_shape, generator, discriminator, latent_dim, conditioning, ema_decay, **game)
        self.orthogonal = orthogonal

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        losses = super().generator_play(real, batch)
        if self.orthogonal:
            losses["orthogonal"] = self.orthogonal * orthogonal_penalty(self.generator, NOT_ORTHOGONALISED)
        return losses

    def decode_truncated(self, codes: Tensor, psi: float, labels: Tensor | None = None) -> Tensor:
        return self.decode(resample_truncated(codes, psi), labels)
