"""The original Deepfakes face swap: one encoder shared by two identities, one decoder each.

Each decoder learns to rebuild its own identity's faces from *warped* copies (`RandomWarp`,
`genlab/objectives/corruption.py`), with an L1 loss. Because the encoder serves both, it learns a
code of what the two identities share (pose, expression, lighting) and each decoder learns to
paint its identity onto that code; the swap A→B is decoder B on the encoding of A's face. The
warp keeps the decoders from copying pixels through the bottleneck.

Batches are `(b, a)` like CycleGAN's: a face of identity B and an unrelated face of A (the
unpaired datasets: `thick_digits` offline, `unpaired_folder` for two folders of aligned crops).
Validation logs each decoder's L1 error on unwarped held-out faces of its own identity
(`val/recon_a`, `val/recon_b`; their sum is `val/loss`); the translation grid shows A, A→B, B,
B→A. The networks (`genlab/nn/face_swap.py`, shared with faceswap-GAN) are genlab's
convolutional encoder and decoder (`model/net`'s parts, built separately so that the encoder
exists once), whose outputs have the input's size.
"""

import torch.nn.functional as F
from torch import Tensor

from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import Translates
from genlab.models.image_pair import Contract, Geometry, ImagePair
from genlab.nn.face_swap import PartFactory, SharedEncoderPair, Warp, faces, warped


class FaceSwap(GenerativeModule, Translates):
    directions = ("AtoB", "BtoA")
    needs_pairs = False
    contract = Contract(
        "swaps faces between two identities",
        "two image domains of one shape (dataset=thick_digits, unpaired_folder)",
        Geometry.SAME_SHAPE,
    )

    def __init__(
        self,
        name: str,
        pair: ImagePair,
        encoder: PartFactory,
        decoder: PartFactory,
        latent_dim: int = 128,
        warp: Warp | None = None,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        b_shape, a_shape = self.contract.shapes(name, pair)
        super().__init__(name, b_shape, optimizer)
        self.source_shape = a_shape
        self.latent_dim = latent_dim
        self.networks = SharedEncoderPair(b_shape, a_shape, encoder, decoder, latent_dim)
        self.warp = warp

    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        self.check_direction(direction)
        return self.networks(x.to(self.device), direction[-1])

    def _losses(self, batch: list[Tensor], warp: bool) -> dict[str, Tensor]:
        """Each identity's L1 rebuild error, from warped inputs in training."""
        return {
            f"recon_{k.lower()}": F.l1_loss(self.networks(warped(x, self.warp if warp else None), k), x)
            for k, x in faces(batch).items()
        }

    def training_step(self, batch: list[Tensor], batch_idx: int) -> Tensor:
        terms = self._losses(batch, warp=True)
        loss = terms["recon_a"] + terms["recon_b"]
        self.log_terms("train", {"loss": loss, **terms})
        return loss

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        terms = self._losses(batch, warp=False)
        self.log_terms("val", {"loss": terms["recon_a"] + terms["recon_b"], **terms})
