"""Denoising diffusion probabilistic model (Ho et al., 2020): network + schedule + sampler.

Training is Algorithm 1: draw t ~ U{1…T} and ε ~ N(0, I), noise the data in closed form
(x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε) and regress the network's output on ε — L_simple, the MSE the
paper trains with (`schedule.prediction=v_prediction` regresses on v instead). Sampling is
Algorithm 2 or a faster sampler: the network is asked at each of the sampler's steps. The
schedule (`NoiseSchedule`), the sampler (`model/sampler=ddpm|ddim|dpm`), the network
(`model/network=unet|mlp`) and what it is told besides (x_t, t) (`model/guidance=none|
classifier_free`: class labels with classifier-free guidance) are separate parts chosen in
YAML; this module only joins them.
Images are modelled in [-1, 1]; samples come back in [0, 1]. With `ema_decay` set, samples
come from the moving average of the network (the shared EMA), as the paper's do.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import Tensor, nn

from genlab.diffusion.guidance import Unguided
from genlab.diffusion.samplers import Sampler, build_sampler
from genlab.diffusion.schedule import NoiseSchedule
from genlab.errors import GenlabError
from genlab.models.base import GenerativeModule, OptimizerFactory
from genlab.models.capabilities import ChoosesSampler, ExportsPipeline, Guided, Samples, ShowsDenoising
from genlab.models.ema import moving_average
from genlab.nn.denoisers import UNetDenoiser

NetworkFactory = Callable[..., nn.Module]  # (data_shape, classes=label embeddings or None) → network


class DDPM(GenerativeModule, Samples, ChoosesSampler, Guided, ShowsDenoising, ExportsPipeline):
    def __init__(
        self,
        name: str,
        data_shape: Sequence[int],
        network: NetworkFactory,
        schedule: NoiseSchedule,
        sampler: Sampler,
        guidance: Unguided | None = None,
        ema_decay: float | None = 0.999,
        grad_clip: float | None = 1.0,
        optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(name, data_shape, optimizer)
        self.grad_clip = grad_clip
        self.guidance = guidance or Unguided()
        self.categories = self.guidance.categories
        self.network = network(self.data_shape, classes=self.guidance.embeddings)
        self.network_ema = moving_average(self.network, ema_decay)
        self.schedule = schedule
        self.sampler = sampler

    def to_model_scale(self, x: Tensor) -> Tensor:
        return x * 2 - 1 if self.images else x

    def from_model_scale(self, x: Tensor) -> Tensor:
        return ((x + 1) / 2).clamp(0, 1) if self.images else x

    def denoising_loss(self, x: Tensor, labels: Tensor | None, generator: torch.Generator | None = None) -> Tensor:
        x0 = self.to_model_scale(x)
        if generator is None:
            t = self.schedule.sample_timesteps(len(x0), x0.device)
            noise = torch.randn_like(x0)
        else:  # validation: the same t and ε every epoch, so val/loss curves are comparable
            t = torch.randint(0, self.schedule.timesteps, (len(x0),), generator=generator).to(x0.device)
            noise = torch.randn(x0.shape, generator=generator).to(x0.device)
        prediction = self.network(self.schedule.add_noise(x0, noise, t), t, labels)
        return nn.functional.mse_loss(prediction, self.schedule.target(x0, noise, t))

    def training_step(self, batch: Sequence[Tensor], batch_idx: int) -> Tensor:
        loss = self.denoising_loss(batch[0], self.guidance.training_labels(batch[1]))
        self.log_terms("train", {"loss": loss})
        return loss

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None) -> None:
        """The paper clips the gradient norm at 1; `trainer.gradient_clip_val`, when set, wins."""
        value = gradient_clip_val if gradient_clip_val is not None else self.grad_clip
        if value:
            self.clip_gradients(optimizer, gradient_clip_val=value, gradient_clip_algorithm=gradient_clip_algorithm)

    def optimizer_step(self, *args, **kwargs) -> None:
        """The average follows each optimiser step at once: callbacks' `on_train_batch_end` (the
        resume point's save among them) run before the module's, so updating there would save a
        checkpoint whose average lags its weights by one step."""
        super().optimizer_step(*args, **kwargs)
        if self.network_ema is not None:
            self.network_ema.update_parameters(self.network)

    def validation_step(self, batch: Sequence[Tensor], batch_idx: int) -> None:
        generator = torch.Generator().manual_seed(batch_idx)
        self.log_terms("val", {"loss": self.denoising_loss(batch[0], self.guidance.given_labels(batch[1]), generator)})

    def sampling_network(self) -> str:
        """Which weights, sampler and guidance: `ema (ddim-50, cfg3)`; their scores differ."""
        weights = "ema" if self.network_ema is not None else "model"
        return f"{weights} ({', '.join(filter(None, [self.sampler_description(), self.guidance_description()]))})"

    def denoiser(self) -> nn.Module:
        return self.network_ema.module if self.network_ema is not None else self.network

    def use_sampler(self, name: str | None, steps: int | None) -> None:
        self.sampler = build_sampler(name or self.sampler.name, steps)

    def sampler_description(self) -> str:
        return self.sampler.describe(self.schedule)

    def use_guidance(self, scale: float) -> None:
        self.guidance.use_scale(scale)

    def guidance_description(self) -> str:
        return self.guidance.describe()

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.from_model_scale(self._reverse(n, 1, generator))

    def _reverse(self, n: int, frames: int, generator: torch.Generator | None) -> Tensor:
        network = self.denoiser()
        was_training = network.training
        network.eval()
        try:
            denoise = self.guidance.guided(network, self.guidance.sampling_labels(n, self.device))
            shape = (n, *self.data_shape)
            return self.sampler.sample(denoise, self.schedule, shape, generator, self.device, frames=frames)
        finally:
            network.train(was_training)

    def denoising_chain(self, n: int, frames: int, generator: torch.Generator | None = None) -> Tensor:
        chain = self._reverse(n, frames, generator)  # (frames, n, ...)
        return self.from_model_scale(chain.transpose(0, 1).flatten(0, 1))

    @torch.no_grad()
    def forward_noising(self, x: Tensor, frames: int) -> Tensor:
        x0 = self.to_model_scale(x.to(self.device))
        noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0)).to(x0.device)
        steps = torch.linspace(0, self.schedule.timesteps - 1, frames).round().long()
        chain = torch.stack([self.schedule.add_noise(x0, noise, t.expand(len(x0))) for t in steps])
        return self.from_model_scale(chain.transpose(0, 1).flatten(0, 1))

    def export(self, out: Path, fmt: str) -> None:
        """A diffusers `DDPMPipeline` folder: the sampling weights' UNet and this model's schedule,
        with its sampler's scheduler; `DDPMPipeline.from_pretrained(out)` loads it."""
        from diffusers import DDPMPipeline

        if fmt != "diffusers":
            raise GenlabError(f"format={fmt}: a DDPM exports as format=diffusers")
        network = self.denoiser()
        if self.guidance.categories is not None:
            raise GenlabError(
                f"model '{self.model_name}' is class-conditional and diffusers' DDPMPipeline samples without "
                "labels, so it does not export; sample it with genlab sample guidance=…"
            )
        if not isinstance(network, UNetDenoiser):
            raise GenlabError(
                f"model '{self.model_name}' denoises with {type(network).__name__}; diffusers pipelines load a "
                "UNet2DModel, so only model/network=unet exports"
            )
        if network.padded:
            built = network.unet.config.sample_size
            raise GenlabError(
                f"model '{self.model_name}' pads {network.side}-px images to the U-Net's {built} px, which a "
                f"diffusers pipeline would sample; export a model trained at dataset.image_size={built}"
            )
        scheduler = self.sampler.scheduler(self.schedule)
        DDPMPipeline(unet=network.unet, scheduler=scheduler).save_pretrained(str(out))
