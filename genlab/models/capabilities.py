"""The capabilities a model declares: small abstract mix-ins a model class lists among its bases.

`class VAE(GenerativeModule, Samples, DecodesLatents, Reconstructs, Encodes, HasLikelihood)`.
Callbacks, `genlab sample`, `genlab eval` and the metrics ask `isinstance(model, Samples)` and call
what the capability promises; they never probe a model's attributes. A model lacking what a picture
or a score needs is refused in one line naming the capability (`genlab.models.base.require`). All
images in and out are in [0, 1].
"""

import math
from abc import ABC, abstractmethod
from pathlib import Path

import torch
from torch import Tensor

from genlab.analysis.interpolation import truncate
from genlab.errors import GenlabError


def category_rows(n: int, categories: int, per_row: int | None = None) -> Tensor:
    """Labels for a grid of `n` pictures, one category per row of `per_row` (default
    `n // categories`, so each category gets a row); categories repeat when rows outnumber them."""
    per_row = per_row or max(1, n // categories)
    return (torch.arange(n) // per_row) % categories


class Samples(ABC):
    """Draws new examples from the learned distribution."""

    @abstractmethod
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Exactly `n` examples in data space (images in [0, 1]); `generator` seeds the draw."""

    def sampling_network(self) -> str:
        """Which weights `sample` uses, recorded beside every score: `ema` or `model` (models with
        a choice of sampler add it: `ema (ddim-50)`)."""
        return "model"


class ChoosesSampler(ABC):
    """Draws its samples by an iterative reverse process whose sampler (and step count) can be
    chosen at sampling time: `genlab sample sampler=ddim steps=50`."""

    @abstractmethod
    def use_sampler(self, name: str | None, steps: int | None) -> None:
        """Sample with the sampler `name` (None: the current one's kind) in `steps` steps (None: its
        default) from now on."""

    @abstractmethod
    def sampler_description(self) -> str:
        """The sampler and its steps (`ddim-50`), recorded in file names and beside scores."""


class ShowsDenoising(ABC):
    """Pictures of the diffusion process: the reverse chain from noise to samples and the
    forward noising of real images, at `frames` evenly spaced steps."""

    @abstractmethod
    def denoising_chain(self, n: int, frames: int, generator: torch.Generator | None = None) -> Tensor:
        """(n · frames) images in [0, 1], one chain x_T → x₀ per row."""

    @abstractmethod
    def forward_noising(self, x: Tensor, frames: int) -> Tensor:
        """(len(x) · frames) images in [0, 1], one row per image: x₀ → x_T under q(x_t | x₀)."""


class Guided(ABC):
    """Samples under a guidance scale that can be chosen at sampling time (classifier-free
    guidance): `genlab sample guidance=3`, `genlab eval guidance=0,1,3` for the FID trade-off."""

    @abstractmethod
    def use_guidance(self, scale: float) -> None:
        """Sample with guidance scale `scale` from now on, or refuse in one line."""

    @abstractmethod
    def guidance_description(self) -> str:
        """The scale in file names and beside scores (`cfg3`); "" for an unconditional model."""


class ExportsPipeline(ABC):
    """Writes itself as a folder another library loads (`genlab export format=diffusers`)."""

    @abstractmethod
    def export(self, out: Path, fmt: str) -> None:
        """Write the model to the folder `out` in format `fmt`, or refuse in one line."""


class DecodesLatents(ABC):
    """Maps codes of a latent space with a N(0, I)-shaped prior to data (interpolation, truncation,
    traversals, PPL). Conditional models also take one category per code."""

    latent_dim: int
    latent_space: str = "z"  # the space `decode` reads; style-based generators add `w`
    categories: int | None = None  # classes (or InfoGAN's first code) the decoder is conditioned on

    @abstractmethod
    def decode(self, codes: Tensor, labels: Tensor | None = None) -> Tensor:
        """Data-space outputs for `codes`; `labels` (conditional models) default to `grid_labels`."""

    def decode_truncated(self, codes: Tensor, psi: float, labels: Tensor | None = None) -> Tensor:
        """The truncation trick: outputs for codes pulled towards the prior's mean (0 for N(0, I)) by
        ψ ∈ (0, 1]; style-based generators pull in W instead (`HasStyleSpace`)."""
        return self.decode(truncate(codes, psi), labels)

    def grid_labels(self, n: int, per_row: int | None = None) -> Tensor | None:
        """Labels for a grid of `n` images with one category per row of `per_row` images (default
        `n // categories`, so each category gets a row); categories repeat when rows outnumber them.
        None for unconditional models."""
        return None if self.categories is None else category_rows(n, self.categories, per_row)


class HasCodes(ABC):
    """Structured codes beside the noise (InfoGAN's categorical and continuous codes) that a
    picture sets by hand: one categorical value per row, a continuous code swept across
    (`genlab explore what=codes`), the paper's width and slant pictures."""

    categorical_codes: tuple[int, ...]  # the number of values of each categorical code
    continuous_codes: int  # how many continuous codes (prior U(−1, 1))

    @abstractmethod
    def decode_codes(self, z: Tensor, categorical: Tensor, continuous: Tensor) -> Tensor:
        """Data-space outputs for noise z (n, latent_dim) with the categorical codes (n, number of
        categorical codes; integers) and continuous codes (n, continuous_codes) given."""


class ShowsContext(ABC):
    """An autoregressive image model: which earlier pixels reach its prediction of a pixel, read
    off its network (`genlab explore what=context`: PixelCNN's blind spot, PixelRNN's triangle)."""

    @abstractmethod
    def context(self, row: int, column: int) -> Tensor:
        """(H, W) booleans: the input pixels that change the prediction of (row, column)."""


class Grows(ABC):
    """Trains coarse to fine (progressive growing): G works at a resolution that doubles during
    training, so a picture can be asked of any resolution it has reached (the growth grids)."""

    resolutions: tuple[int, ...]  # 4, 8, …, the data's side

    @abstractmethod
    def current_resolution(self) -> int:
        """The resolution training works at now (the new one while it fades in)."""

    @abstractmethod
    def sample_at(self, n: int, resolution: int, generator: torch.Generator | None = None) -> Tensor:
        """`n` samples of side `resolution` (≤ the current one; at the current one, α as trained)."""


class HasStyleSpace(ABC):
    """A style-based generator: a mapping network z → w and a synthesis network that reads one w
    per layer, ws of shape (n, num_ws, w_dim). Truncation in W, style mixing, interpolation in W,
    SeFa, attribute editing and PPL in W (`genlab/analysis/styles.py`, `genlab explore`) need it.
    Every method uses the sampling network (the moving average where there is one), with the
    noise inputs fixed, so the same ws always give the same image."""

    w_dim: int
    num_ws: int

    @abstractmethod
    def map_codes(self, z: Tensor) -> Tensor:
        """w (n, w_dim) for codes z (n, latent_dim)."""

    @abstractmethod
    def synthesize(self, ws: Tensor) -> Tensor:
        """Data-space images for per-layer styles ws (n, num_ws, w_dim)."""

    @abstractmethod
    def mean_style(self) -> Tensor:
        """w̄, the running mean of w tracked in training (truncation's centre)."""

    @abstractmethod
    def style_weights(self) -> list[tuple[int, Tensor]]:
        """(index into ws, effective weight (styles, w_dim)) of every style affine, in layer order."""

    def broadcast(self, w: Tensor) -> Tensor:
        """One w for every layer: (n, w_dim) → (n, num_ws, w_dim)."""
        return w[:, None].expand(-1, self.num_ws, -1)


class Translates(ABC):
    """Maps images of a source domain to a target domain (pix2pix, CycleGAN, super-resolution,
    inpainting): translation grids, `genlab translate`, PSNR/SSIM against targets."""

    source_shape: tuple[int, ...]
    directions: tuple[str, ...] = ("AtoB",)  # CycleGAN adds BtoA
    needs_pairs: bool = True  # learns from aligned (target, source) pairs; CycleGAN from two domains

    @abstractmethod
    def translate(self, x: Tensor, direction: str = "AtoB") -> Tensor:
        """Source-domain images in [0, 1] → target-domain images in [0, 1]."""

    def check_direction(self, direction: str) -> None:
        if direction not in self.directions:
            ways = ", ".join(self.directions)
            raise GenlabError(f"direction={direction}: model '{self.model_name}' translates {ways} only")


class Reconstructs(ABC):
    @abstractmethod
    def reconstruct(self, x: Tensor) -> Tensor:
        """x → code → x̂, in data space."""


class Encodes(ABC):
    """Maps data to codes (traversals start from an encoded image; separability probes them)."""

    latent_dim: int

    @abstractmethod
    def encode_mean(self, x: Tensor) -> Tensor:
        """The code of each example (the posterior mean where the encoder is stochastic)."""


def bits_per_dim(nats: Tensor, dims: int) -> Tensor:
    """Negative log-likelihood in nats over `dims` data values → bits per dimension."""
    return nats / (dims * math.log(2))


class HasLikelihood(ABC):
    """Scores data under the model: exactly (autoregressive models) or by a bound (VAEs)."""

    likelihood_is_exact: bool

    @abstractmethod
    def negative_log_likelihood(self, x: Tensor) -> Tensor:
        """−log p(x) per example in nats (an upper bound where `likelihood_is_exact` is False)."""

    def bits_per_dim(self, x: Tensor) -> Tensor:
        return bits_per_dim(self.negative_log_likelihood(x), math.prod(x.shape[1:]))


class ImportanceSamples(ABC):
    """A latent-variable model with an encoder q(z|x) to draw z from for a given x (VAEs): the
    importance-weighted bound on log p(x) and An & Cho's reconstruction probability, the scores
    anomaly detection reads beside −ELBO (`genlab eval metrics=[anomaly]`)."""

    @abstractmethod
    def iwae_nll(self, x: Tensor, k: int) -> Tensor:
        """−log of the K-sample importance-weighted bound (Burda et al., 2016) per example, in nats:
        K = 1 is −ELBO, and the bound tightens (this decreases in expectation) as K grows."""

    @abstractmethod
    def reconstruction_probability(self, x: Tensor, samples: int) -> Tensor:
        """An & Cho (2015): E_{z∼q(z|x)}[log p(x|z)] per example over `samples` draws of z, in nats
        (low: the decoder cannot explain x from the codes its encoder gives it)."""


class Classifies(ABC):
    """Predicts each example's class (the classifier; DB-VAE's head): accuracy per subgroup
    (`genlab eval metrics=[subgroups]`)."""

    @abstractmethod
    def predict(self, x: Tensor) -> Tensor:
        """The predicted class index of each example."""


class Discriminates(ABC):
    """Has a discriminator whose output on data can be read (2-D surfaces, saturation alarms)."""

    @property
    @abstractmethod
    def decision_threshold(self) -> float | None:
        """D's output above which an input counts as real; None where the objective has none."""

    @abstractmethod
    def score(self, x: Tensor) -> Tensor | None:
        """D's adversarial output on data-space inputs; None where D needs more than x (labels, codes)."""

    @abstractmethod
    def real_probability(self, x: Tensor) -> Tensor | None:
        """D's output read as its estimate of p_data / (p_data + p_g), where the objective's optimal D
        is that ratio (Goodfellow et al., Prop. 1; LSGAN with labels 0 and 1); None elsewhere."""


class AdaptsDomains(ABC):
    """Learns from labelled source images and unlabelled target images at once (DANN): trains on
    `dataset=domain_pair` only, and that dataset on such models only (`genlab/run/checks.py`)."""

    @abstractmethod
    def features(self, x: Tensor) -> Tensor:
        """ψ(x): the features the domain adversary aligns (the lecture's 2-D picture plots them)."""
