"""A labelled-data classifier, trained by genlab so that its penultimate layer can serve as the
feature space of FID/KID and its logits as IS's class distribution (the `domain` extractor of
`genlab.metrics.extractors`): the practice of MNIST-family GAN papers, and the honest option
when the Inception weights cannot be downloaded.

`genlab train model=classifier dataset=mnist` trains one; its checkpoint is what
`genlab eval ... extractor=domain classifier=PATH` reads.
"""

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import Classifies
from genlab.nn.conv import conv_encoder


class Classifier(GenerativeModule, Classifies):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        num_classes: int | None,
        dataset: str,
        feature_dim: int = 64,
        widths: Sequence[int] = (32, 64, 128),
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        if num_classes is None:
            raise GenlabError(
                f"model=classifier needs labelled data but dataset '{dataset}' declares no num_classes; "
                "use digits, mnist, fashion_mnist or cifar10"
            )
        self.num_classes = int(num_classes)
        self.dataset = dataset
        self.feature_dim = feature_dim
        self.body = conv_encoder(self.data_shape, feature_dim, widths)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(feature_dim, self.num_classes))

    def features(self, x: Tensor) -> Tensor:
        """Penultimate activations of images in [0, 1]: the FID/KID feature space."""
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))

    def predict(self, x: Tensor) -> Tensor:
        return self(x).argmax(1)

    def _step(self, stage: str, batch: list[Tensor]) -> Tensor:
        x, y = batch[0], batch[1]
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        accuracy = (logits.argmax(1) == y).float().mean()
        self.log_terms(stage, {"loss": loss, "accuracy": accuracy})
        return loss

    def training_step(self, batch: list[Tensor], batch_idx: int) -> Tensor:
        return self._step("train", batch)

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        with torch.no_grad():
            self._step("val", batch)


def read_classifier(path: str, option: str, trust: bool, train_it: str) -> Classifier:
    """A genlab classifier from a checkpoint that may come from anyone (read as data by
    `read_checkpoint`), or one line naming the option and how to train one (`train_it`). The one
    loader behind every option that takes a classifier — FID's domain feature space, SRGAN's
    classifier content, InfoGAN's purity; each caller then checks what it needs of the classifier
    (the dataset it learnt, its image shape)."""
    from genlab.checkpoint import read_checkpoint, rebuild_model  # the checkpoint module builds models

    model = rebuild_model(read_checkpoint(path, option=option, trust=trust))
    if not isinstance(model, Classifier):
        raise GenlabError(f"{option}={path} holds a '{model.model_name}' model, not a classifier; {train_it}")
    return model
