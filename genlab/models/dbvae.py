"""DB-VAE (Amini et al., "Uncovering and Mitigating Algorithmic Bias through Learned Latent
Structure", AIES 2019; the design of MIT 6.S191's lab): a binary classifier whose encoder is also a
VAE's, trained on data where some kinds of positives are rare, and fed those rare kinds more often.

One encoder gives a class logit and a latent Gaussian (μ, log σ²); a decoder reconstructs from a
draw of z. Loss per example = cross-entropy + 1[positive] · (`kl_weight` · KL + L1 reconstruction
error): the VAE learns from the positives only, so its latent space maps the variety of positives.
At each epoch's start the positives are encoded and drawn by `debiasing_weights` of their means
(`genlab/models/resampling.py`): where a kind of positive is rare in the latent space, its examples
are drawn more often; negatives are drawn uniformly, and each class keeps its share of the epoch
(`GenlabDataModule.resample_by`, exact on resume); `model.resampling=null` trains on uniform epochs
instead. Positives are class 1.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from genlab.data.batches import collate
from genlab.errors import GenlabError
from genlab.models.autoencoder import NetFactory
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import Classifies, DecodesLatents, Encodes, Reconstructs, Samples
from genlab.models.resampling import debiasing_weights
from genlab.objectives.kl import gaussian_kl, reparameterise


@dataclass(frozen=True)
class Resampling:
    """The latent histograms' settings (the lab's: 10 bins, smoothing 1e-3)."""

    bins: int = 10
    alpha: float = 1e-3


class DBVAE(GenerativeModule, Classifies, Samples, DecodesLatents, Reconstructs, Encodes):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        net: NetFactory,
        num_classes: int | None,
        dataset: str,
        latent_dim: int = 32,
        kl_weight: float = 5e-4,
        resampling: Resampling | None = None,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        if num_classes != 2:
            raise GenlabError(
                f"model=dbvae classifies positives (class 1, which its VAE learns) against negatives (class 0), "
                f"but dataset '{dataset}' has {num_classes or 'no'} classes; use dataset=biased_faces or "
                "dataset=class_folders"
            )
        if kl_weight < 0:
            raise GenlabError(f"model.kl_weight={kl_weight} must be ≥ 0 (the lab's: 5e-4)")
        self.latent_dim = latent_dim
        self.kl_weight = kl_weight
        self.resampling = resampling  # None: uniform epochs (the ablation that shows what resampling buys)
        self.encoder, self.decoder = net(self.data_shape, 2 * latent_dim + 1, latent_dim)

    # --- the two heads of the encoder

    def _encode(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(class logit, μ, log σ²)."""
        out = self.encoder(x)
        mu, logvar = out[:, 1:].chunk(2, dim=1)
        return out[:, 0], mu, logvar

    def predict(self, x: Tensor) -> Tensor:
        return (self._encode(x)[0] > 0).long()

    def encode_mean(self, x: Tensor) -> Tensor:
        return self._encode(x)[1]

    def decode(self, codes: Tensor, labels: Tensor | None = None) -> Tensor:
        return torch.sigmoid(self.decoder(codes))

    def reconstruct(self, x: Tensor) -> Tensor:
        return self.decode(self.encode_mean(x))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.decode(torch.randn(n, self.latent_dim, generator=generator).to(self.device))

    # --- training

    def _terms(self, batch: list[Tensor]) -> dict[str, Tensor]:
        x, positive = batch[0], batch[1].float()
        logit, mu, logvar = self._encode(x)
        cross_entropy = F.binary_cross_entropy_with_logits(logit, positive, reduction="none")
        recon = self.decode(reparameterise(mu, logvar, torch.randn_like(mu)))
        l1 = (recon - x).abs().flatten(1).mean(1)
        kl = gaussian_kl(mu, logvar)
        loss = (cross_entropy + positive * (self.kl_weight * kl + l1)).mean()
        positives = positive.sum().clamp(min=1)
        return {
            "loss": loss,
            "cross_entropy": cross_entropy.mean(),
            "l1": (positive * l1).sum() / positives,
            "kl": (positive * kl).sum() / positives,
            "accuracy": ((logit > 0).float() == positive).float().mean(),
        }

    def training_step(self, batch: list[Tensor], batch_idx: int) -> Tensor:
        terms = self._terms(batch)
        self.log_terms("train", terms)
        return terms["loss"]

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        self.log_terms("val", self._terms(batch))

    def setup(self, stage: str) -> None:
        if stage == "fit" and self.resampling is not None and self.trainer.datamodule is not None:
            self.trainer.datamodule.resample_by(self.sampling_probabilities)

    @torch.no_grad()
    def sampling_probabilities(self, dataset: Dataset) -> Tensor:
        """One probability per example of `dataset`: positives by the debiasing weights of their
        latent means, negatives uniformly, each class keeping its share."""
        was_training = self.training
        self.eval()
        codes, labels = [], []
        for batch in DataLoader(dataset, batch_size=256, collate_fn=collate):
            codes.append(self.encode_mean(batch[0].to(self.device)).cpu())
            labels.append(batch[1])
        self.train(was_training)
        positive = torch.cat(labels) == 1
        probabilities = torch.full((len(positive),), 1 / len(positive), dtype=torch.float64)
        if positive.any():
            weights = debiasing_weights(torch.cat(codes)[positive], self.resampling.bins, self.resampling.alpha)
            probabilities[positive] = weights * positive.sum() / len(positive)
        return probabilities
