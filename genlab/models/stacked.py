"""Stacked autoencoder: greedy layer-wise pre-training, then end-to-end fine-tuning.

The schedule is configuration: layer k is trained alone (on the codes of the frozen layers
below it) for `pretrain_steps` optimiser steps, layer after layer; after that every layer is
fine-tuned together on the pixel reconstruction. `train/phase` logs where the run is.
"""

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import DecodesLatents, Encodes, Reconstructs
from genlab.objectives.reconstruction import output_to_image, reconstruction_nll, squared_error


class StackedAutoencoder(GenerativeModule, DecodesLatents, Reconstructs, Encodes):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        hidden: Sequence[int] = (256, 64),
        latent_dim: int = 32,
        pretrain_steps: int = 200,
        loss: str = "bce",
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        self.latent_dim = latent_dim
        self.loss_kind = loss
        self.pretrain_steps = pretrain_steps
        dims = [math.prod(self.data_shape), *(int(h) for h in hidden), latent_dim]
        n = len(dims) - 1
        self.encoders = nn.ModuleList(
            nn.Sequential(nn.Linear(dims[k], dims[k + 1]), nn.ReLU() if k < n - 1 else nn.Identity()) for k in range(n)
        )
        self.decoders = nn.ModuleList(
            nn.Sequential(nn.Linear(dims[k + 1], dims[k]), nn.ReLU() if k > 0 else nn.Identity()) for k in range(n)
        )

    @property
    def n_layers(self) -> int:
        return len(self.encoders)

    def phase(self) -> int:
        """0..n_layers−1: pre-training that layer; n_layers: end-to-end fine-tuning."""
        if self.pretrain_steps <= 0:
            return self.n_layers
        return min(self.global_step // self.pretrain_steps, self.n_layers)

    def encode(self, x: Tensor) -> Tensor:
        h = x.flatten(1)
        for encoder in self.encoders:
            h = encoder(h)
        return h

    def encode_mean(self, x: Tensor) -> Tensor:
        return self.encode(x)

    def _decode_logits(self, code: Tensor) -> Tensor:
        h = code
        for decoder in reversed(self.decoders):
            h = decoder(h)
        return h.view(-1, *self.data_shape)

    def decode(self, code: Tensor, labels: Tensor | None = None) -> Tensor:
        return output_to_image(self._decode_logits(code), self.loss_kind)

    def reconstruct(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def _layer_loss(self, x: Tensor, layer: int) -> Tensor:
        h = x.flatten(1)
        with torch.no_grad():
            for encoder in self.encoders[:layer]:
                h = encoder(h)
        out = self.decoders[layer](self.encoders[layer](h))
        if layer == 0:
            return reconstruction_nll(out.view_as(x), x, self.loss_kind).mean()
        return squared_error(out, h).mean()

    def training_step(self, batch: list[Tensor], batch_idx: int) -> Tensor:
        x = batch[0]
        phase = self.phase()
        if phase < self.n_layers:
            loss = self._layer_loss(x, phase)
        else:
            loss = reconstruction_nll(self._decode_logits(self.encode(x)), x, self.loss_kind).mean()
        self.log_terms("train", {"loss": loss, "phase": torch.tensor(float(phase))})
        return loss

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        x = batch[0]
        self.validate_autoencoding(x, self._decode_logits(self.encode(x)), self.loss_kind)
