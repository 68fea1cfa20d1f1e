"""The two-player core every adversarial game runs on (DESIGN principle 2).

`TwoPlayerModule` owns what all games share: manual optimisation of G (optimiser 0) and D
(optimiser 1) and the rules of the game (`game.Game`: the objective, D's regularisers (lazy, by
interval), `balance.n_critic` D steps per G step, G's look-ahead through `unroll_steps` of D's
steps (`lookahead.py`), an optional learning-rate schedule by epoch),
the generator's moving average and the step counters. A family's constructor takes its own
knobs and passes the rest on as `**game` (`Game.of`). A game says what each player's
loss is on a batch (`discriminator_play`, `generator_play`, `validation_terms`). Games whose G
draws from a N(0, I) latent space (`gan.GAN`, `bigan.BiGAN`, `stylegan.StyleGAN`) build on
`AdversarialModule`, which adds that prior and the capabilities it gives (`Samples`,
`DecodesLatents`, `Discriminates`); image-to-image games (`pix2pix`) build on `TwoPlayerModule`
directly and declare `Translates` instead.

Manual optimisation: Lightning's `trainer.global_step` counts *every* optimiser step, so one
batch advances it by 2 when it has a generator step and by 1 otherwise; `trainer.max_steps=N`
therefore means N optimiser steps in total. `train/g_steps` logs generator iterations.
Gradient clipping by the trainer is refused for these models (WGAN's clipping is a regulariser).
"""

from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from genlab.models.adversarial.game import Game
from genlab.models.adversarial.lookahead import look_ahead
from genlab.models.base import GenerativeModule
from genlab.models.capabilities import DecodesLatents, Discriminates, Samples
from genlab.models.ema import moving_average
from genlab.models.lr_schedules import set_epoch_rate
from genlab.objectives.adversarial import OBJECTIVES


@dataclass
class DiscriminatorPlay:
    """One D step's outcome: the loss terms to minimise, values only logged, and what input-gradient
    penalties need (the critic as a function of D's input alone, real and generated inputs)."""

    losses: dict[str, Tensor]
    monitors: dict[str, Tensor]
    critic: Callable[[Tensor], Tensor]
    fake: Tensor


@contextmanager
def running_as(net: nn.Module, training: bool) -> Iterator[nn.Module]:
    """`net` in train (batch statistics, dropout) or eval mode for the block, then as it was:
    how translators run at inference, whatever the training loop left them in."""
    was_training = net.training
    net.train(training)
    try:
        yield net
    finally:
        net.train(was_training)


class TwoPlayerModule(GenerativeModule):
    ddp_find_unused_parameters = True  # critic steps leave the generator unused
    default_optimized_metric = "fid"  # with evaluation=…: the FID of the evaluation callback
    progress_terms = ("d_loss", "g_loss")  # both players' losses in the progress bar

    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: nn.Module,
        discriminator: nn.Module,
        game: Game,
        ema_decay: float | None = None,
    ) -> None:
        super().__init__(name, data_shape, game.optimizer)
        self.automatic_optimization = False
        game.check_views_applied()
        self.objective = OBJECTIVES[game.objective]
        self.balance = game.balance
        self.regularisers = dict(game.regularisers)
        self.generator = generator
        self.discriminator = discriminator
        for regulariser in self.regularisers.values():
            regulariser.attach(self.discriminator)
        self.generator_ema = moving_average(self.generator, ema_decay)
        self.lr_schedule = game.lr_schedule
        self.unroll_steps = game.unroll_steps
        self.looking_ahead = False
        self.g_steps = 0
        self.d_steps = 0

    # --- what a game supplies

    @abstractmethod
    def discriminator_play(self, real: Tensor, batch: list[Tensor]) -> DiscriminatorPlay:
        """D's losses on a batch (real inputs already in model space)."""

    @abstractmethod
    def generator_play(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        """G's loss terms on a batch."""

    @abstractmethod
    def validation_terms(self, real: Tensor, batch: list[Tensor]) -> dict[str, Tensor]:
        """What to log on a held-out batch."""

    def generator_parameters(self) -> Iterator[nn.Parameter]:
        """What G's optimiser updates (BiGAN adds its encoder)."""
        return self.generator.parameters()

    # --- spaces

    def to_model_space(self, x: Tensor) -> Tensor:
        """Images in [0, 1] → [−1, 1], the range of the Tanh generator; points unchanged."""
        return x * 2 - 1 if self.images else x

    def to_data_space(self, x: Tensor) -> Tensor:
        return ((x + 1) / 2).clamp(0, 1) if self.images else x

    def sampling_generator(self) -> nn.Module:
        """The network pictures come from: the moving average where there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    # --- training

    def configure_optimizers(self) -> list[Optimizer]:
        d_kwargs = {"lr": self.balance.lr_d} if self.balance.lr_d is not None else {}
        return [
            self.build_optimizer(self.generator_parameters()),
            self.build_optimizer(self.discriminator.parameters(), **d_kwargs),
        ]

    def on_train_epoch_start(self) -> None:
        """Both players' learning rates for this epoch, from the schedule (`lr_schedules.py`)."""
        if self.lr_schedule is not None:
            for optimizer in self.optimizers():
                set_epoch_rate(optimizer.optimizer, self.lr_schedule(self.current_epoch))

    def generated(self, make: Callable[[], Tensor]) -> Tensor:
        """What G makes, as D's step sees it: a constant in D's own steps (no graph is kept); inside
        G's look-ahead (`unroll_steps`), a function of G's parameters, so that G's gradient sees how
        D would react. Every game's `discriminator_play` makes its fakes through here."""
        if self.looking_ahead:
            return make()
        with torch.no_grad():
            return make()

    def noisy(self, x: Tensor) -> Tensor:
        return self.balance.noisy(x, self.g_steps)

    def critic_loss(self, critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor) -> DiscriminatorPlay:
        """The plain D step of an image-to-image game whose D is `critic` (pix2pix's on pairs,
        SRGAN's, the context encoder's on the hole): the objective on noisy real and generated
        inputs, D's mean outputs as monitors."""
        d_real, d_fake = critic(self.noisy(real)), critic(self.noisy(fake))
        d_loss = self.objective.discriminator(d_real, d_fake, self.balance.real_target(d_real))
        monitors = {"d_real": d_real.detach().mean(), "d_fake": d_fake.detach().mean()}
        return DiscriminatorPlay({"d_loss": d_loss}, monitors, critic, fake)

    def adversarial_loss(self, critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor) -> Tensor:
        """G's adversarial term against `critic`, with D's verdict on the real inputs where the
        objective compares with it (relativistic losses)."""
        d_real = None
        if self.objective.needs_real_for_generator:
            with torch.no_grad():
                d_real = critic(real)
        return self.objective.generator(d_real, critic(self.noisy(fake)))

    def _discriminator_step(self, real: Tensor, batch: list[Tensor], optimizer) -> dict[str, Tensor]:
        due = [(name, r) for name, r in self.regularisers.items() if r.due(self.d_steps)]
        with self.toggled_optimizer(optimizer):
            play = self.discriminator_play(real, batch)
            losses = dict(play.losses)
            for name, regulariser in due:
                penalty = regulariser.penalty(play.critic, real, play.fake)
                if penalty is not None:
                    losses[name] = regulariser.scale * penalty
            optimizer.zero_grad()
            self.manual_backward(sum(losses.values()))
            optimizer.step()
        for _, regulariser in due:
            regulariser.after_step(self.discriminator)
        self.d_steps += 1
        return {**losses, **play.monitors}

    def _generator_losses(self, real: Tensor, batch: list[Tensor], d_optimizer) -> dict[str, Tensor]:
        """G's loss terms, against D as it is or, with `unroll_steps` = k > 0, as it will be after k
        more steps of its own (D's regularisers take no part in the look-ahead). Without
        `d_optimizer` (SRGAN's MSE pretraining, where D takes no part) there is nothing to unroll."""
        if not self.unroll_steps or d_optimizer is None:
            return self.generator_play(real, batch)
        self.looking_ahead = True
        try:
            return look_ahead(
                self.discriminator,
                d_optimizer.optimizer,
                self.unroll_steps,
                lambda: sum(self.discriminator_play(real, batch).losses.values()),
                lambda: self.generator_play(real, batch),
            )
        finally:
            self.looking_ahead = False

    def _generator_step(self, real: Tensor, batch: list[Tensor], optimizer, d_optimizer=None) -> dict[str, Tensor]:
        with self.toggled_optimizer(optimizer):
            losses = self._generator_losses(real, batch, d_optimizer)
            optimizer.zero_grad()
            self.manual_backward(sum(losses.values()))
            optimizer.step()
        if self.generator_ema is not None:
            self.generator_ema.update_parameters(self.generator)
        self.g_steps += 1
        return {key: value.detach() for key, value in losses.items()}

    def training_step(self, batch: list[Tensor], batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        real = self.to_model_space(batch[0])
        terms = self._discriminator_step(real, batch, opt_d)
        if self.balance.generator_step_due(batch_idx):
            terms.update(self._generator_step(real, batch, opt_g, opt_d))
        terms["g_steps"] = torch.tensor(float(self.g_steps))
        self.log_terms("train", terms)

    def validation_step(self, batch: list[Tensor], batch_idx: int) -> None:
        self.log_terms("val", self.validation_terms(self.to_model_space(batch[0]), batch))

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        super().on_save_checkpoint(checkpoint)
        checkpoint["g_steps"] = self.g_steps
        checkpoint["d_steps"] = self.d_steps

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        super().on_load_checkpoint(checkpoint)
        self.g_steps = int(checkpoint.get("g_steps", 0))
        self.d_steps = int(checkpoint.get("d_steps", 0))


class AdversarialModule(TwoPlayerModule, Samples, DecodesLatents, Discriminates):
    """A game whose G maps codes of a N(0, I) latent space (of `latent_dim`) to data."""

    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        generator: nn.Module,
        discriminator: nn.Module,
        latent_dim: int,
        game: Game,
        ema_decay: float | None = None,
    ) -> None:
        super().__init__(name, data_shape, generator, discriminator, game, ema_decay)
        self.latent_dim = latent_dim

    @abstractmethod
    def generate(self, codes: Tensor, labels: Tensor | None, net: nn.Module) -> Tensor:
        """Model-space outputs of generator `net` for latent codes (and categories, where the game has them)."""

    def sampling_network(self) -> str:
        return "ema" if self.generator_ema is not None else "model"

    def decode(self, codes: Tensor, labels: Tensor | None = None) -> Tensor:
        """Data-space outputs for codes, from the averaged generator when there is one."""
        if labels is None:
            labels = self.grid_labels(len(codes))
        return self.to_data_space(self.generate(codes.to(self.device), labels, self.sampling_generator()))

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.decode(torch.randn(n, self.latent_dim, generator=generator))

    @property
    def decision_threshold(self) -> float | None:
        return self.objective.decision_threshold

    def real_probability(self, x: Tensor) -> Tensor | None:
        score, reading = self.score(x), self.objective.probability
        return None if score is None or reading is None else reading(score)
