"""What G and D see or predict besides noise and data: one strategy object per kind, chosen in
YAML (`model/conditioning=...`), so the GAN module holds no per-variant branches.

- `Conditioning` (unconditional): nothing;
- `LabelInput` (cGAN, Mirza & Osindero): G gets [z, onehot(y)], D its input with onehot(y) appended;
- `LabelProjected` (BigGAN, after Miyato & Koyama): G as cGAN's; D multiplies its features by the
  class's embedding (a projection discriminator) instead of reading the label as channels;
- `LabelPredicted` (ACGAN, Odena et al.): G gets [z, onehot(y)]; D predicts y with an auxiliary
  head; its cross-entropy (on real and generated images for D, generated ones for G) joins both losses;
- `InfoCodes` (InfoGAN, Chen et al.): G gets [z, codes]; a recognition head Q on D's body
  predicts the codes back, and the information term joins both losses.

Heads are extra outputs of D's last layer, after the adversarial one, so they share D's body and
objectives and penalties only ever see output 0. A `Condition` is one batch's worth of what the
strategy draws (labels come from the data for real images and are reused for generated ones).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.models.adversarial.codes import CodeSample, LatentCodes
from genlab.nn.conditional import code_conditioned_discriminator


@dataclass(frozen=True)
class Condition:
    labels: Tensor | None = None
    codes: CodeSample | None = None


NOTHING = Condition()


class Conditioning:
    """Unconditional: G sees z alone, D judges its input alone and has one output."""

    generator_width = 0  # units appended to z
    discriminator_width = 0  # code units D takes beside its input (appended, or projected)
    heads = 0  # D outputs after the adversarial one
    categories: int | None = None  # categories a picture shows one per row

    def observe(self, batch: list[Tensor]) -> Condition:
        """What the strategy reads from a batch of real data."""
        return NOTHING

    def draw(self, n: int, real: Condition, device: torch.device) -> Condition:
        """The condition of `n` generated examples beside a batch of real ones."""
        return NOTHING

    def for_categories(self, labels: Tensor | None, n: int, device: torch.device) -> Condition:
        """The condition of pictures showing the given categories (one per code)."""
        return NOTHING

    def generator_input(self, condition: Condition) -> Tensor | None:
        return None

    def discriminator(self, factory: Callable[..., nn.Module], data_shape: Sequence[int], outputs: int) -> nn.Module:
        """D, built by `factory`, for what this strategy shows it: here the data alone."""
        return factory(data_shape, outputs=outputs)

    def discriminator_input(self, condition: Condition) -> Tensor | None:
        return None

    def losses(
        self, prefix: str, fake: Tensor | None, condition: Condition, real: Tensor | None, real_condition: Condition
    ) -> dict[str, Tensor]:
        """Auxiliary loss terms from the heads' outputs on generated (and, for D, real) data."""
        return {}

    def validation_terms(
        self, real: Tensor | None, fake: Tensor | None, real_condition: Condition, condition: Condition
    ) -> dict[str, Tensor]:
        return {}


class ClassLabels(Conditioning):
    """G receives the class label one-hot; generated images take the labels of the real batch."""

    def __init__(self, num_classes: int | None) -> None:
        if num_classes is None:
            raise GenlabError(
                f"model.conditioning={type(self).__name__} needs class labels but the dataset declares no "
                "num_classes; use a labelled dataset (digits, mnist, fashion_mnist, cifar10)"
            )
        self.num_classes = int(num_classes)
        self.generator_width = self.num_classes
        self.categories = self.num_classes

    def observe(self, batch: list[Tensor]) -> Condition:
        return Condition(labels=batch[1])

    def draw(self, n: int, real: Condition, device: torch.device) -> Condition:
        return real

    def for_categories(self, labels: Tensor | None, n: int, device: torch.device) -> Condition:
        return Condition(labels=labels.to(device))

    def generator_input(self, condition: Condition) -> Tensor:
        return F.one_hot(condition.labels, self.num_classes)


class LabelInput(ClassLabels):
    def __init__(self, num_classes: int | None) -> None:
        super().__init__(num_classes)
        self.discriminator_width = self.num_classes

    def discriminator_input(self, condition: Condition) -> Tensor | None:
        return None if condition.labels is None else F.one_hot(condition.labels, self.num_classes)

    def discriminator(self, factory: Callable[..., nn.Module], data_shape: Sequence[int], outputs: int) -> nn.Module:
        return code_conditioned_discriminator(factory, data_shape, self.num_classes, outputs=outputs)


class LabelProjected(LabelInput):
    """The projection discriminator's way (Miyato & Koyama; BigGAN): D takes onehot(y) beside its
    input and projects its features on the class's embedding, so its factory must take `classes`
    (`genlab.nn.biggan.projection_discriminator`)."""

    def discriminator(self, factory: Callable[..., nn.Module], data_shape: Sequence[int], outputs: int) -> nn.Module:
        try:  # only the call can tell: views (model/view) wrap the factory in **kwargs
            return factory(data_shape, outputs=outputs, classes=self.num_classes)
        except TypeError as error:
            if "classes" not in str(error):
                raise
            raise GenlabError(
                "model/conditioning=label_projected needs a projection discriminator, one that takes the classes "
                "(genlab.nn.biggan.projection_discriminator, as in model=biggan); use label_input for this D"
            ) from None


class LabelPredicted(ClassLabels):
    def __init__(self, num_classes: int | None, weight: float = 1.0) -> None:
        super().__init__(num_classes)
        self.heads = self.num_classes
        self.weight = weight

    def losses(
        self, prefix: str, fake: Tensor | None, condition: Condition, real: Tensor | None, real_condition: Condition
    ) -> dict[str, Tensor]:
        loss = F.cross_entropy(fake, condition.labels)
        if real is not None:
            loss = loss + F.cross_entropy(real, real_condition.labels)
        return {f"{prefix}classifier": self.weight * loss}

    def validation_terms(
        self, real: Tensor | None, fake: Tensor | None, real_condition: Condition, condition: Condition
    ) -> dict[str, Tensor]:
        """How often the auxiliary head names the class of held-out real images."""
        return {"class_accuracy": (real.argmax(1) == real_condition.labels).float().mean()}


class InfoCodes(Conditioning):
    def __init__(
        self,
        categorical: tuple[int, ...] = (),
        continuous: int = 0,
        categorical_weight: float = 1.0,
        continuous_weight: float = 0.1,
    ) -> None:
        self.codes = LatentCodes(categorical, continuous, categorical_weight, continuous_weight)
        self.generator_width = self.heads = self.codes.dim
        self.categories = self.codes.categorical[0] if self.codes.categorical else None

    def draw(self, n: int, real: Condition, device: torch.device) -> Condition:
        return Condition(codes=self.codes.sample(n, device))

    def for_categories(self, labels: Tensor | None, n: int, device: torch.device) -> Condition:
        first = labels.to(device) if labels is not None else torch.zeros(n, dtype=torch.long, device=device)
        return Condition(codes=self.codes.rows(first))

    def generator_input(self, condition: Condition) -> Tensor:
        return self.codes.vector(condition.codes)

    def losses(
        self, prefix: str, fake: Tensor | None, condition: Condition, real: Tensor | None, real_condition: Condition
    ) -> dict[str, Tensor]:
        return {f"{prefix}information": self.codes.information_loss(fake, condition.codes)}

    def validation_terms(
        self, real: Tensor | None, fake: Tensor | None, real_condition: Condition, condition: Condition
    ) -> dict[str, Tensor]:
        """How often Q recovers the first categorical code of generated images (chance: 1/K)."""
        if not self.codes.categorical:
            return {}
        return {"code_accuracy": self.codes.first_code_accuracy(fake, condition.codes)}
