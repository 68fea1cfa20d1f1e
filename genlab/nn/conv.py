"""Convolutional encoder/decoder pairs (the lecture's `autoencoder2`).

Each stage halves (encoder) or doubles (decoder) the spatial size with a 4×4 stride-2
convolution. A side that 2**len(widths) does not divide (MNIST's 28 with three stages) is
padded to the next one that it does (`genlab/nn/padding.py`): the encoder pads its input, the
decoder crops its output.
"""

from collections.abc import Sequence

from torch import nn

from genlab.errors import GenlabError
from genlab.nn.padding import fitted_side, reading, writing


def _check_shape(data_shape: Sequence[int], widths: Sequence[int]) -> tuple[int, int, int]:
    """(channels, image side, the side the network is built for)."""
    if len(data_shape) != 3:
        raise GenlabError(
            f"the conv network needs image data (channels, height, width), got shape {list(data_shape)}; "
            "use model/net=mlp for vector datasets such as toy2d"
        )
    channels, height, width = (int(s) for s in data_shape)
    if height != width:
        raise GenlabError(f"the conv network needs square images, got {height}×{width}; set dataset.image_size")
    return channels, height, fitted_side(height, 2 ** len(widths))


def conv_encoder(data_shape: Sequence[int], out_dim: int, widths: Sequence[int] = (32, 64, 128)) -> nn.Module:
    """Strided convs (LeakyReLU) down by 2**len(widths), then a linear map to R^out_dim."""
    widths = [int(w) for w in widths]
    channels, image_side, built = _check_shape(data_shape, widths)
    side = built // 2 ** len(widths)
    layers: list[nn.Module] = []
    c_in = channels
    for w in widths:
        layers += [nn.Conv2d(c_in, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        c_in = w
    layers += [nn.Flatten(), nn.Linear(widths[-1] * side * side, out_dim)]
    return reading(nn.Sequential(*layers), image_side, built)


def conv_decoder(data_shape: Sequence[int], in_dim: int, widths: Sequence[int] = (32, 64, 128)) -> nn.Module:
    """The encoder's mirror: linear map, then transposed convs up to the image (unbounded outputs)."""
    widths = [int(w) for w in widths]
    channels, image_side, built = _check_shape(data_shape, widths)
    side = built // 2 ** len(widths)
    layers: list[nn.Module] = [
        nn.Linear(in_dim, widths[-1] * side * side),
        nn.Unflatten(1, (widths[-1], side, side)),
        nn.ReLU(),
    ]
    rev = list(reversed(widths))
    for w_in, w_out in zip(rev, [*rev[1:], None], strict=True):
        if w_out is None:
            layers.append(nn.ConvTranspose2d(w_in, channels, 4, stride=2, padding=1))
        else:
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1), nn.ReLU()]
    return writing(nn.Sequential(*layers), image_side, built)


def conv_pair(
    data_shape: Sequence[int], encoder_out: int, decoder_in: int, widths: Sequence[int] = (32, 64, 128)
) -> tuple[nn.Module, nn.Module]:
    """Strided-conv encoder to R^encoder_out and transposed-conv decoder from R^decoder_in."""
    return conv_encoder(data_shape, encoder_out, widths), conv_decoder(data_shape, decoder_in, widths)
