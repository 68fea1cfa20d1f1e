"""Generator and discriminator networks: MLPs (the lecture's MNIST GAN) and DCGAN.

DCGAN follows Radford et al.: no pooling, transposed-convolution upsampling in G, strided
convolutions in D, batch norm (except G's output and D's input layers), ReLU + Tanh in G,
LeakyReLU(0.2) in D, no fully connected hidden layers, N(0, 0.02) initial weights. Images are
generated in [−1, 1] (Tanh); point data (toy2d) unbounded.
"""

import math
from collections.abc import Callable, Sequence
from functools import partial

from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from genlab.errors import GenlabError
from genlab.nn.mlp import mlp
from genlab.nn.padding import reading, writing


def _is_image(shape: Sequence[int]) -> bool:
    return len(shape) == 3


def _dcgan_stages(data_shape: Sequence[int]) -> tuple[int, int, int, int]:
    """(channels, stages, image side, the side 4·2^stages the network is built for): a side
    between two such sizes (MNIST's 28) is padded to the next (`genlab/nn/padding.py`)."""
    if not _is_image(data_shape):
        raise GenlabError(
            f"DCGAN networks need image data, got shape {list(data_shape)}; use model/generator=mlp and "
            "model/discriminator=mlp (e.g. model=gan) for toy2d"
        )
    channels, height, width = (int(s) for s in data_shape)
    if height != width or height < 8:
        raise GenlabError(f"DCGAN needs square images of side 8 or more, got {height}×{width}; set dataset.image_size")
    stages = math.ceil(math.log2(height / 4))
    return channels, stages, height, 4 * 2**stages


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.'s initialisation: conv weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class Reshape(nn.Module):
    def __init__(self, *shape: int) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: Tensor) -> Tensor:
        return x.view(x.shape[0], *self.shape)


ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": partial(nn.LeakyReLU, 0.2), "tanh": nn.Tanh}


def _activation(name: str) -> Callable[[], nn.Module]:
    if name not in ACTIVATIONS:
        raise GenlabError(f"activation={name!r} is unknown; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def mlp_generator(
    data_shape: Sequence[int], latent_dim: int, hidden: Sequence[int] = (256, 256), activation: str = "relu"
) -> nn.Module:
    shape = tuple(int(s) for s in data_shape)
    out = nn.Tanh() if _is_image(shape) else nn.Identity()
    body = mlp([latent_dim, *(int(h) for h in hidden), math.prod(shape)], _activation(activation))
    return nn.Sequential(body, out, Reshape(*shape))


def _output_layout(outputs: int) -> nn.Module:
    """One output per example as shape (N,); several (auxiliary heads, encoders) as (N, outputs)."""
    return nn.Flatten(0) if outputs == 1 else nn.Flatten(1)


def mlp_discriminator(
    data_shape: Sequence[int], hidden: Sequence[int] = (256, 256), outputs: int = 1, activation: str = "leaky_relu"
) -> nn.Module:
    """`outputs` > 1 adds heads sharing the body (ACGAN's classifier, InfoGAN's Q, BiGAN's encoder)."""
    dims = [math.prod(int(s) for s in data_shape), *(int(h) for h in hidden), outputs]
    return nn.Sequential(nn.Flatten(), mlp(dims, _activation(activation)), _output_layout(outputs))


def dcgan_generator(data_shape: Sequence[int], latent_dim: int, width: int = 64) -> nn.Module:
    channels, stages, side, built = _dcgan_stages(data_shape)
    c = width * 2 ** (stages - 1)
    layers: list[nn.Module] = [
        Reshape(latent_dim, 1, 1),
        nn.ConvTranspose2d(latent_dim, c, 4, stride=1, padding=0, bias=False),
        nn.BatchNorm2d(num_features=c),
        nn.ReLU(),
    ]
    for _ in range(stages - 1):
        layers += [
            nn.ConvTranspose2d(c, c // 2, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(num_features=c // 2),
            nn.ReLU(),
        ]
        c //= 2
    layers += [nn.ConvTranspose2d(c, channels, 4, stride=2, padding=1), nn.Tanh()]
    generator = nn.Sequential(*layers)
    dcgan_init(generator)
    return writing(generator, side, built)


def dcgan_discriminator(
    data_shape: Sequence[int], width: int = 64, batch_norm: bool = True, outputs: int = 1
) -> nn.Module:
    """`batch_norm=False` for critics with a gradient penalty, which must treat examples independently;
    `outputs` as in `mlp_discriminator`."""
    channels, stages, side, built = _dcgan_stages(data_shape)
    layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
    c = width
    for _ in range(stages - 1):
        layers.append(nn.Conv2d(c, c * 2, 4, stride=2, padding=1, bias=not batch_norm))
        if batch_norm:
            layers.append(nn.BatchNorm2d(num_features=c * 2))
        layers.append(nn.LeakyReLU(0.2))
        c *= 2
    layers += [nn.Conv2d(c, outputs, 4, stride=1, padding=0), _output_layout(outputs)]
    discriminator = nn.Sequential(*layers)
    dcgan_init(discriminator)
    return reading(discriminator, side, built)


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al.) on every linear and convolutional layer."""
    for name, child in module.named_children():
        if isinstance(child, nn.Linear | nn.Conv2d | nn.ConvTranspose2d):
            setattr(module, name, spectral_norm(child))
        else:
            apply_spectral_norm(child)
    return module
