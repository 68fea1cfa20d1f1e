"""Perceptual path length (Karras et al., StyleGAN): how much images change along small steps
between latent codes, E[d(G(slerp(z₁, z₂; t)), G(slerp(z₁, z₂; t + ε))) / ε²], through
torchmetrics' implementation.

The image distance d is LPIPS-VGG next to `extractor=inception` (its VGG16 weights are downloaded
once by torchvision) and the squared feature distance of the genlab classifier next to
`extractor=domain`; the number is named after it (`ppl[lpips-vgg]`, `ppl[digits-classifier]`).
Images go in as floats (never uint8: quantisation would swamp distances of order ε²).

Two spaces: `ppl` interpolates codes with slerp in the space the model's `decode` reads
(`latent_space`, recorded); `ppl_w`, for style-based generators (`HasStyleSpace`), lerps in W
between mapped codes, named `ppl[w,…]` — StyleGAN's path length in W. torchmetrics compares the
image at one end of each pair's path with the image ε further along, which is StyleGAN's "end"
sampling (t = 0), the variant its tables report.
"""

from pathlib import Path

import torch
from torch import Tensor, nn
from torchmetrics.functional.image import perceptual_path_length

from genlab.errors import GenlabError
from genlab.metrics.extractors import Extractor, check_weights_file, matches_published
from genlab.models.base import GenerativeModule, require
from genlab.models.capabilities import DecodesLatents, HasStyleSpace, Samples

VGG16_FILE = "vgg16-397923af.pth"


class _Generator(nn.Module):
    """torchmetrics' generator interface over a genlab model with a N(0, I) prior."""

    def __init__(self, model: DecodesLatents, seed: int) -> None:
        super().__init__()
        self.model = model
        self.noise = torch.Generator().manual_seed(seed)

    @property
    def num_classes(self) -> int | None:
        return self.model.categories

    def sample(self, num_samples: int) -> Tensor:
        return torch.randn(num_samples, self.model.latent_dim, generator=self.noise)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        images = self.model.decode(z) if labels is None else self.model.decode(z, labels)
        return images.float() * 255  # torchmetrics' convention: float images in [0, 255]


class _StyleGenerator(nn.Module):
    """The same interface over a style-based generator's W: codes are mapped z → w, images painted
    from one w for every layer (the sampling network, fixed noise)."""

    def __init__(self, model: HasStyleSpace, seed: int) -> None:
        super().__init__()
        self.model = model
        self.noise = torch.Generator().manual_seed(seed)

    def sample(self, num_samples: int) -> Tensor:
        with torch.no_grad():
            return self.model.map_codes(torch.randn(num_samples, self.model.latent_dim, generator=self.noise))

    def forward(self, w: Tensor) -> Tensor:
        return self.model.synthesize(self.model.broadcast(w)).float() * 255


class FeatureDistance(nn.Module):
    """Squared distance in an extractor's feature space, on images in [−1, 1] (LPIPS' range)."""

    def __init__(self, extractor: Extractor) -> None:
        super().__init__()
        self.extractor = extractor
        self.net = extractor.net

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        fa, fb = self.extractor.features((a + 1) / 2), self.extractor.features((b + 1) / 2)
        return ((fa - fb) ** 2).sum(dim=1)


def check_vgg_weights() -> None:
    """torchvision unpickles the cached VGG16 file for LPIPS without `weights_only`; prove it plain
    and the published file first (a fresh download is checked by torch hub itself)."""
    path = Path(torch.hub.get_dir()) / "checkpoints" / VGG16_FILE
    if path.is_file():
        check_weights_file(path, "LPIPS-VGG weights", VGG16_FILE)
        matches_published(path, VGG16_FILE, "LPIPS-VGG weights", verify=True)


def similarity(extractor: Extractor) -> tuple[str, nn.Module | str]:
    """(name for the record, torchmetrics' sim_net)."""
    if extractor.name == "inception":
        check_vgg_weights()
        return "lpips-vgg", "vgg"
    return extractor.name, FeatureDistance(extractor)


def path_length(
    model: GenerativeModule,
    extractor: Extractor,
    num_samples: int,
    batch_size: int,
    epsilon: float,
    seed: int,
    device,
    space: str = "z",
) -> tuple[str, float, float]:
    """(similarity name, mean, standard deviation) after discarding the 1 % tails, as StyleGAN does;
    `space="w"` walks W (lerp), `"z"` the space `decode` reads (slerp)."""
    require(model, Samples, "PPL (a latent prior to walk in)")
    require(model, DecodesLatents, "PPL (a latent space to walk in)")
    if space == "w":
        require(model, HasStyleSpace, "PPL in W (ppl_w)")
    name, sim_net = similarity(extractor)
    torch.manual_seed(seed)  # labels for conditional models
    conditional = model.categories is not None
    generator = _StyleGenerator(model, seed) if space == "w" else _Generator(model, seed)
    try:
        mean, std, _ = perceptual_path_length(
            generator,
            num_samples=num_samples,
            conditional=conditional,
            batch_size=batch_size,
            interpolation_method="lerp" if space == "w" else "slerp_any",
            epsilon=epsilon,
            sim_net=sim_net,
            device=device,
        )
    except OSError as exc:  # LPIPS' VGG16 download (URLError is an OSError)
        raise GenlabError(
            f"ppl with extractor=inception uses LPIPS-VGG, whose VGG16 weights {VGG16_FILE} could not be downloaded "
            f"({type(exc).__name__}); put the file in {torch.hub.get_dir()}/checkpoints/ or use extractor=domain"
        ) from exc
    return name, float(mean), float(std)
