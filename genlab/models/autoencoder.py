"""The autoencoder family as one module: plain, sparse, denoising and contractive AEs are this
module with a corruption and/or penalties chosen in YAML (DESIGN principle 2)."""

from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import DecodesLatents, Encodes, Reconstructs
from genlab.objectives.penalties import Encoder
from genlab.objectives.reconstruction import output_to_image, reconstruction_nll

NetFactory = Callable[[Sequence[int], int, int], tuple[nn.Module, nn.Module]]
Penalty = Callable[[Encoder, Tensor, Tensor], Tensor]
CODE_ACTIVATIONS = {"identity": nn.Identity, "sigmoid": nn.Sigmoid, "relu": nn.ReLU}


class Autoencoder(GenerativeModule, DecodesLatents, Reconstructs, Encodes):
    """x ↦ code ↦ x̂, trained on reconstruction + Σ penalties, with optional input corruption.

    With a corruption, the encoder sees x̃ = C(x) and the loss compares the output with the
    clean x, and validation also reports how well corrupted inputs are restored.
    """

    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        net: NetFactory,
        latent_dim: int = 32,
        loss: str = "bce",
        code_activation: str = "identity",
        corruption: Callable[[Tensor], Tensor] | None = None,
        penalties: Mapping[str, Penalty] | None = None,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        if code_activation not in CODE_ACTIVATIONS:
            raise GenlabError(
                f"model.code_activation={code_activation!r} is unknown; use one of {', '.join(CODE_ACTIVATIONS)}"
            )
        self.latent_dim = latent_dim
        self.loss_kind = loss
        self.encoder, self.decoder = net(self.data_shape, latent_dim, latent_dim)
        self.code_activation = CODE_ACTIVATIONS[code_activation]()
        self.corruption = corruption
        self.penalties = dict(penalties or {})

    def encode(self, x: Tensor) -> Tensor:
        return self.code_activation(self.encoder(x))

    def encode_mean(self, x: Tensor) -> Tensor:
        return self.encode(x)

    def decode(self, code: Tensor, labels: Tensor | None = None) -> Tensor:
        return output_to_image(self.decoder(code), self.loss_kind)

    def reconstruct(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def training_step(self, batch: list[Tensor], batch_idx: int) -> Tensor:
        x = batch[0]
        x_in = self.corruption(x) if self.corruption is not None else x
        code = self.encode(x_in)
        recon = reconstruction_nll(self.decoder(code), x, self.loss_kind).mean()
        terms = {name: penalty(self.encode, x_in, code) for name, penalty in self.penalties.items()}
        loss = recon + sum(terms.values(), torch.zeros((), device=x.device))
        self.log_terms("train", {"loss": loss, "recon": recon, "code_mean": code.mean(), **terms})
        return loss

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        x = batch[0]
        self.validate_autoencoding(x, self.decoder(self.encode(x)), self.loss_kind)
        if self.corruption is not None:
            x_tilde = self.corruption(x)
            mse = torch.nn.functional.mse_loss
            self.log_terms("val", {"denoise_mse": mse(self.reconstruct(x_tilde), x), "corrupted_mse": mse(x_tilde, x)})
