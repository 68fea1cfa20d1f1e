"""One adversarial trainer for the GAN family (DESIGN principle 2).

GAN, DCGAN, WGAN, WGAN-GP, LSGAN, SN-GAN, relativistic GANs, cGAN, ACGAN, InfoGAN and BiGAN are
this module with a different objective, regularisers, networks, schedule and inputs, chosen in YAML:

- objective: any of `genlab.objectives.adversarial.OBJECTIVES`;
- regularisers: gradient penalty (WGAN-GP), R1, weight clipping (WGAN), spectral norm (SN-GAN);
- schedule: `n_critic` discriminator steps per generator step; `lr_d` for a separate
  discriminator learning rate (TTUR);
- labels (`conditional: true`, needs a dataset with `num_classes`): G receives [z, onehot(y)];
  D either sees the label too (`discriminator_label: input`, cGAN, Mirza & Osindero) or predicts
  it with an auxiliary classifier head whose cross-entropy on real and generated images is added
  to both players' losses (`discriminator_label: predict`, ACGAN, Odena et al.);
- structured codes (`codes`, InfoGAN, see `genlab.models.latent_codes`): G receives [z, c] and a
  recognition head Q on D's body predicts c back; the information term is added to G's and D's losses;
- an encoder (`encoder`, BiGAN/ALI, Donahue et al., Dumoulin et al.): E maps x to z and D judges
  pairs, (x, E(x)) as real and (G(z), z) as fake; G and E are trained together on D's loss with
  the labels swapped;
- an exponential moving average of the generator's weights (`ema_decay`, e.g. 0.999), kept
  with torch's `AveragedModel` on the generator alone (never D) and used by `sample()`;
- tricks: one-sided label smoothing (`real_label_range: [0.8, 1.0]` draws each real target
  uniformly from that range) and instance noise (`instance_noise` σ added to D's inputs,
  annealed linearly to 0 over `instance_noise_steps` generator steps; 0 keeps it constant).

Heads share D's body: D is built with 1 + (classes) + (code width) outputs, the first being the
adversarial one, so penalties and objectives only ever see that first output.

Manual optimisation: Lightning's `trainer.global_step` counts *every* optimiser step, so one
batch advances it by 2 when it has a generator step and by 1 otherwise; `trainer.max_steps=N`
therefore means N optimiser steps in total. `train/g_steps` logs generator iterations.
Gradient clipping by the trainer is refused in manual optimisation; this module has none.
"""

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.latent_codes import CodeSample, LatentCodes
from genlab.nn.conditional import code_conditioned_discriminator
from genlab.nn.gan import apply_spectral_norm
from genlab.objectives.adversarial import OBJECTIVES
from genlab.objectives.discriminator_penalties import clip_weights, gradient_penalty, r1_penalty

GeneratorFactory = Callable[[Sequence[int], int], nn.Module]
DiscriminatorFactory = Callable[..., nn.Module]  # (data_shape, outputs=k) -> module


@dataclass(frozen=True)
class Draw:
    """One batch of generator inputs: noise, labels (conditional models), codes (InfoGAN)."""

    z: Tensor
    y: Tensor | None
    codes: CodeSample | None


@dataclass(frozen=True)
class Heads:
    """D's outputs split by meaning."""

    adversarial: Tensor
    classes: Tensor | None  # ACGAN's class logits
    codes: Tensor | None  # InfoGAN's Q


class GAN(GenerativeModule):
    ddp_find_unused_parameters = True  # critic steps leave the generator unused

    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: GeneratorFactory,
        discriminator: DiscriminatorFactory,
        latent_dim: int = 64,
        objective: str = "non_saturating",
        n_critic: int = 1,
        gradient_penalty: float = 0.0,
        r1: float = 0.0,
        clip: float | None = None,
        spectral_norm: bool = False,
        real_label_range: Sequence[float] | None = None,
        instance_noise: float = 0.0,
        instance_noise_steps: int = 0,
        lr_d: float | None = None,
        ema_decay: float | None = None,
        conditional: bool = False,
        discriminator_label: str = "input",
        classifier_weight: float = 1.0,
        num_classes: int | None = None,
        codes: dict | None = None,
        encoder: DiscriminatorFactory | None = None,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        if objective not in OBJECTIVES:
            raise GenlabError(f"model.objective={objective!r} is unknown; choose one of {', '.join(OBJECTIVES)}")
        if n_critic < 1:
            raise GenlabError(f"model.n_critic={n_critic} must be at least 1 (discriminator steps per generator step)")
        if real_label_range is not None and not 0 <= real_label_range[0] <= real_label_range[1] <= 1:
            raise GenlabError(f"model.real_label_range={list(real_label_range)} must be [low, high] within [0, 1]")
        if discriminator_label not in ("input", "predict"):
            raise GenlabError(f"model.discriminator_label={discriminator_label!r}: use input (cGAN) or predict (ACGAN)")
        if conditional and num_classes is None:
            raise GenlabError(
                f"model '{name}' is conditional but the dataset declares no num_classes; use a labelled dataset "
                "(digits, mnist, fashion_mnist, cifar10)"
            )
        if encoder is not None and (conditional or codes or gradient_penalty or r1):
            raise GenlabError(
                "model.encoder (BiGAN) does not combine with conditional, codes, gradient_penalty or r1; "
                "unset those or use model=bigan as shipped"
            )
        self.automatic_optimization = False
        self.latent_dim = latent_dim
        self.objective = OBJECTIVES[objective]
        self.n_critic = n_critic
        self.gp_weight = gradient_penalty
        self.r1_weight = r1
        self.clip = clip
        self.real_label_range = tuple(real_label_range) if real_label_range is not None else None
        self.instance_noise = instance_noise
        self.instance_noise_steps = instance_noise_steps
        self.lr_d = lr_d
        self.num_classes = num_classes if conditional else None
        self.label_input = conditional and discriminator_label == "input"
        self.predicts_label = conditional and discriminator_label == "predict"
        self.classifier_weight = classifier_weight
        self.codes = LatentCodes(**codes) if codes else None

        self.generator = generator(self.data_shape, latent_dim + (self.num_classes or 0) + self._code_width)
        heads = 1 + (self.num_classes if self.predicts_label else 0) + self._code_width
        d_code = self.num_classes if self.label_input else latent_dim if encoder is not None else 0
        if d_code:
            self.discriminator = code_conditioned_discriminator(discriminator, self.data_shape, d_code, outputs=heads)
        else:
            self.discriminator = discriminator(self.data_shape, outputs=heads)
        if spectral_norm:
            apply_spectral_norm(self.discriminator)
        self.encoder = encoder(self.data_shape, outputs=latent_dim) if encoder is not None else None
        if self.encoder is not None:  # the capabilities callbacks and `genlab sample` look for
            self.encode_mean = self._encode_images
            self.reconstruct = self._reconstruct
        self.generator_ema = None
        if ema_decay is not None:
            if not 0 < ema_decay < 1:
                raise GenlabError(f"model.ema_decay={ema_decay} must be in (0, 1), e.g. 0.999, or null for no EMA")
            ema = get_ema_multi_avg_fn(ema_decay)
            self.generator_ema = AveragedModel(self.generator, multi_avg_fn=ema, use_buffers=True).requires_grad_(False)
        self.g_steps = 0

    @property
    def _code_width(self) -> int:
        return self.codes.dim if self.codes is not None else 0

    @property
    def images(self) -> bool:
        return len(self.data_shape) == 3

    @property
    def row_classes(self) -> int | None:
        """Categories shown one per row in grids: the class label, or InfoGAN's first categorical code."""
        if self.num_classes is not None:
            return self.num_classes
        if self.codes is not None and self.codes.categorical:
            return self.codes.categorical[0]
        return None

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        d_kwargs = {"lr": self.lr_d} if self.lr_d is not None else {}
        g_params = self.generator.parameters()
        if self.encoder is not None:
            g_params = itertools.chain(g_params, self.encoder.parameters())
        return [self.optimizer_factory(g_params), self.optimizer_factory(self.discriminator.parameters(), **d_kwargs)]

    # --- inputs and outputs of the two networks

    def _draw(self, n: int, y: Tensor | None) -> Draw:
        codes = self.codes.sample(n, self.device) if self.codes is not None else None
        return Draw(torch.randn(n, self.latent_dim, device=self.device), y, codes)

    def _fake(self, draw: Draw, net: nn.Module | None = None) -> Tensor:
        parts = [draw.z]
        if self.num_classes is not None:
            parts.append(F.one_hot(draw.y, self.num_classes).to(draw.z.dtype))
        if draw.codes is not None:
            parts.append(self.codes.vector(draw.codes).to(draw.z.dtype))
        return (net if net is not None else self.generator)(torch.cat(parts, dim=1))

    def _encode(self, x: Tensor) -> Tensor:
        return self.encoder(x).view(len(x), self.latent_dim)

    def _d(self, x: Tensor, code: Tensor | None) -> Heads:
        out = self.discriminator(x) if code is None else self.discriminator(x, code)
        if out.dim() == 1:
            return Heads(out, None, None)
        k = 1 + (self.num_classes if self.predicts_label else 0)
        return Heads(out[:, 0], out[:, 1:k] if self.predicts_label else None, out[:, k:] if self.codes else None)

    def _real_code(self, real: Tensor, y: Tensor | None) -> Tensor | None:
        """What D sees beside a real input: its label (cGAN), its encoding (BiGAN), or nothing."""
        if self.label_input:
            return F.one_hot(y, self.num_classes)
        return self._encode(real) if self.encoder is not None else None

    def _fake_code(self, draw: Draw) -> Tensor | None:
        if self.label_input:
            return F.one_hot(draw.y, self.num_classes)
        return draw.z if self.encoder is not None else None

    def _auxiliary_terms(self, prefix: str, fake: Heads, draw: Draw, real: Heads | None, y: Tensor | None) -> dict:
        """ACGAN's classification and InfoGAN's information terms (D's step also classifies real data)."""
        terms = {}
        if self.predicts_label:
            loss = F.cross_entropy(fake.classes, draw.y)
            if real is not None:
                loss = loss + F.cross_entropy(real.classes, y)
            terms[f"{prefix}classifier"] = self.classifier_weight * loss
        if self.codes is not None:
            terms[f"{prefix}information"] = self.codes.information_loss(fake.codes, draw.codes)
        return terms

    # --- sampling

    def class_labels(self, n: int) -> Tensor:
        """Labels for a grid with one category per row: n // row_classes columns."""
        per_row = max(1, n // self.row_classes)
        return torch.arange(self.row_classes).repeat_interleave(per_row)[:n]

    def to_model_space(self, x: Tensor) -> Tensor:
        """Images in [0, 1] → [−1, 1], the range of the Tanh generator; points unchanged."""
        return x * 2 - 1 if self.images else x

    def to_data_space(self, x: Tensor) -> Tensor:
        return ((x + 1) / 2).clamp(0, 1) if self.images else x

    def decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Data-space outputs for codes z, from the averaged generator when there is one.

        `y` picks each row's category (class label, or InfoGAN's first categorical code with the
        other codes at rest); by default one category per row.
        """
        if self.row_classes is not None and y is None:
            y = self.class_labels(len(z))
            z = z[: len(y)]
        z = z.to(self.device)
        y = None if y is None else y.to(self.device)
        codes = None
        if self.codes is not None:
            first = y if y is not None else torch.zeros(len(z), dtype=torch.long, device=self.device)
            codes = self.codes.rows(first)
        draw = Draw(z, y if self.num_classes is not None else None, codes)
        return self.to_data_space(self._fake(draw, self.generator_ema or self.generator))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.decode(torch.randn(n, self.latent_dim, generator=generator))

    def grid_nrow(self, n: int) -> int | None:
        """Images per row that put one category per row (None: the caller's default)."""
        return None if self.row_classes is None else max(1, n // self.row_classes)

    def score(self, x: Tensor) -> Tensor | None:
        """D's adversarial output on data-space inputs, where D needs nothing else (plots)."""
        if self.label_input or self.encoder is not None:
            return None
        return self._d(self.to_model_space(x), None).adversarial

    def _encode_images(self, x: Tensor) -> Tensor:
        return self._encode(self.to_model_space(x.to(self.device)))

    def _reconstruct(self, x: Tensor) -> Tensor:
        """G(E(x)): BiGAN's reconstructions, which show what the encoder kept."""
        return self.decode(self._encode_images(x))

    # --- training

    def _noisy(self, x: Tensor) -> Tensor:
        sigma = self.instance_noise
        if sigma and self.instance_noise_steps:
            sigma *= max(0.0, 1.0 - self.g_steps / self.instance_noise_steps)
        return x + sigma * torch.randn_like(x) if sigma else x

    def _real_target(self, d_real: Tensor) -> Tensor | float:
        if self.real_label_range is None:
            return 1.0
        low, high = self.real_label_range
        return torch.empty_like(d_real).uniform_(low, high)

    def _discriminator_step(self, real: Tensor, y: Tensor | None, optimizer) -> dict[str, Tensor]:
        with self.toggled_optimizer(optimizer):
            draw = self._draw(real.shape[0], y)
            fake = self._fake(draw).detach()
            real_code = self._real_code(real, y)
            real_code = None if real_code is None else real_code.detach()
            d_real = self._d(self._noisy(real), real_code)
            d_fake = self._d(self._noisy(fake), self._fake_code(draw))
            terms = {
                "d_loss": self.objective.discriminator(
                    d_real.adversarial, d_fake.adversarial, self._real_target(d_real.adversarial)
                ),
                **self._auxiliary_terms("", d_fake, draw, d_real, y),
            }
            critic = lambda x: self._d(x, real_code).adversarial  # noqa: E731 — for input gradients
            if self.gp_weight:
                terms["gradient_penalty"] = self.gp_weight * gradient_penalty(critic, real, fake)
            if self.r1_weight:
                terms["r1"] = 0.5 * self.r1_weight * r1_penalty(critic, real)
            optimizer.zero_grad()
            self.manual_backward(sum(terms.values()))
            optimizer.step()
        if self.clip is not None:
            clip_weights(self.discriminator, self.clip)
        return {**terms, "d_real": d_real.adversarial.detach().mean(), "d_fake": d_fake.adversarial.detach().mean()}

    def _generator_step(self, real: Tensor, y: Tensor | None, optimizer) -> dict[str, Tensor]:
        with self.toggled_optimizer(optimizer):
            draw = self._draw(real.shape[0], y)
            d_fake = self._d(self._noisy(self._fake(draw)), self._fake_code(draw))
            if self.encoder is not None:  # G and E play D's game with the labels swapped
                d_real = self._d(self._noisy(real), self._real_code(real, y)).adversarial
                g_loss = self.objective.discriminator(d_fake.adversarial, d_real)
            else:
                d_real = None
                if self.objective.needs_real_for_generator:
                    with torch.no_grad():
                        d_real = self._d(self._noisy(real), self._real_code(real, y)).adversarial
                g_loss = self.objective.generator(d_real, d_fake.adversarial)
            terms = {"g_loss": g_loss, **self._auxiliary_terms("g_", d_fake, draw, None, y)}
            optimizer.zero_grad()
            self.manual_backward(sum(terms.values()))
            optimizer.step()
        if self.generator_ema is not None:
            self.generator_ema.update_parameters(self.generator)
        self.g_steps += 1
        return {key: value.detach() for key, value in terms.items()}

    def training_step(self, batch: list[Tensor], batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        real = self.to_model_space(batch[0])
        y = batch[1] if self.num_classes is not None else None
        terms = self._discriminator_step(real, y, opt_d)
        if (batch_idx + 1) % self.n_critic == 0:
            terms.update(self._generator_step(real, y, opt_g))
        terms["g_steps"] = torch.tensor(float(self.g_steps))
        self.log_terms("train", terms)

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        """D's mean output on held-out real data vs fresh samples (a gap that widens while the
        training gap does not is D overfitting), plus what the variant's extra parts achieve:
        ACGAN's classifier accuracy on real data, InfoGAN's recovery of its first categorical
        code, BiGAN's reconstruction error."""
        real = self.to_model_space(batch[0])
        y = batch[1] if self.num_classes is not None else None
        draw = self._draw(real.shape[0], y)
        d_real = self._d(real, self._real_code(real, y))
        d_fake = self._d(self._fake(draw), self._fake_code(draw))
        terms = {"d_real": d_real.adversarial.mean(), "d_fake": d_fake.adversarial.mean()}
        if self.predicts_label:
            terms["class_accuracy"] = (d_real.classes.argmax(1) == y).float().mean()
        if self.codes is not None and self.codes.categorical:
            terms["code_accuracy"] = self.codes.first_code_accuracy(d_fake.codes, draw.codes)
        self.log_terms("val", terms)
        if self.encoder is not None:
            self.log_reconstruction("val", batch[0], self._reconstruct(batch[0]))

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["g_steps"] = self.g_steps

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.g_steps = int(checkpoint.get("g_steps", 0))
