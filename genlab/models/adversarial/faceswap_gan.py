"""faceswap-GAN (shaoanlu's faceswap-GAN, 2018): the Deepfakes face swap made a game. G is the face
swap's networks as they are (`genlab/nn/face_swap.py`: one shared encoder, a decoder per
identity, rebuilding each identity's faces from warped copies); D is a PatchGAN per identity,
judging its real faces against its decoder's rebuilds. G's loss: `reconstruction_weight` × the L1
rebuild error of both identities plus both adversarial terms — the reference weighs them 1 : 0.1
with a least-squares objective (here 10 : 1 and `objective: least_squares` in its YAML). The
adversarial terms push the decoders past L1's blur: a swap must look like a real face of its
identity to that identity's D.

On the two-player core, "G" is the encoder and both decoders (one optimiser), "D" both critics
(one optimiser), as CycleGAN's pairs are. The plain face swap's data (`(b, a)` unpaired batches),
warp, translation grid and `genlab translate` work as they are. Validation logs each identity's
L1 rebuild error of unwarped held-out faces (their sum is `val/loss`) and each D's mean output.
"""

from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from genlab.models.adversarial.core import DiscriminatorPlay, TwoPlayerModule, running_as
from genlab.models.adversarial.game import Game
from genlab.models.capabilities import Translates
from genlab.models.faceswap import FaceSwap
from genlab.models.image_pair import ImagePair, PatchFactory
from genlab.nn.face_swap import PartFactory, SharedEncoderPair, Warp, faces, warped


class FaceSwapGAN(TwoPlayerModule, Translates):
    default_optimized_metric = "val/loss"
    directions = FaceSwap.directions
    needs_pairs = FaceSwap.needs_pairs
    contract = FaceSwap.contract

    def __init__(
        self,
        name: str,
        pair: ImagePair,
        encoder: PartFactory,
        decoder: PartFactory,
        discriminator: PatchFactory,
        latent_dim: int = 128,
        warp: Warp | None = None,
        reconstruction_weight: float = 10.0,
        **game: Any,
    ) -> None:
        b_shape, a_shape = self.contract.shapes(name, pair)
        rules = Game.of(game)
        rules.refuse_input_gradient_penalties("faceswap-GAN has a discriminator per identity")
        side = b_shape[1]
        d = nn.ModuleDict({"A": discriminator(a_shape[0], side), "B": discriminator(b_shape[0], side)})
        super().__init__(name, b_shape, SharedEncoderPair(b_shape, a_shape, encoder, decoder, latent_dim), d, rules)
        self.source_shape = a_shape
        self.latent_dim, self.warp, self.reconstruction_weight = latent_dim, warp, reconstruction_weight

    def rebuild(self, x: Tensor, identity: str) -> Tensor:
        """Images in [0, 1] through the shared encoder and `identity`'s decoder, in eval mode."""
        with running_as(self.sampling_generator(), False) as g:
            return g(x.to(self.device), identity)

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        self.check_direction(direction)
        return self.rebuild(x, direction[-1])

    # --- the game: images in [0, 1] for the L1 terms, in model space for the critics

    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        plays = {}
        for identity, x in faces(batch).items():
            rebuilt = self.generated(lambda x=x, k=identity: self.generator(warped(x, self.warp), k))
            plays[identity] = self.critic_loss(
                self.discriminator[identity], self.to_model_space(x), self.to_model_space(rebuilt)
            )
        losses = {"d_loss": plays["B"].losses["d_loss"], "d_loss_a": plays["A"].losses["d_loss"]}
        return DiscriminatorPlay(losses, plays["B"].monitors, plays["B"].critic, plays["B"].fake)

    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        terms, adversarial = {}, []
        for identity, x in faces(batch).items():
            rebuilt = self.generator(warped(x, self.warp), identity)
            terms[f"recon_{identity.lower()}"] = self.reconstruction_weight * F.l1_loss(rebuilt, x)
            critic = self.discriminator[identity]
            adversarial.append(self.adversarial_loss(critic, self.to_model_space(x), self.to_model_space(rebuilt)))
        return {"g_loss": sum(adversarial), **terms}

    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        terms = {}
        for identity, x in faces(batch).items():
            terms[f"recon_{identity.lower()}"] = F.l1_loss(self.rebuild(x, identity), x)
            terms[f"d_{identity.lower()}_real"] = self.discriminator[identity](self.to_model_space(x)).mean()
        return {"loss": terms["recon_a"] + terms["recon_b"], **terms}
