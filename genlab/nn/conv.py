"""Convolutional encoder/decoder pairs (the lecture's `autoencoder2`).

Each stage halves (encoder) or doubles (decoder) the spatial size with a 4×4 stride-2
convolution, so the image side must be divisible by 2**len(widths); this is checked when the
network is built, i.e. before training starts.
"""

from collections.abc import Sequence

from torch import nn

from genlab.errors import GenlabError


def _check_shape(data_shape: Sequence[int], widths: Sequence[int]) -> tuple[int, int]:
    if len(data_shape) != 3:
        raise GenlabError(
            f"the conv network needs image data (channels, height, width), got shape {list(data_shape)}; "
            "use model/net=mlp for vector datasets such as toy2d"
        )
    channels, height, width = (int(s) for s in data_shape)
    factor = 2 ** len(widths)
    if height != width or height % factor:
        raise GenlabError(
            f"the conv network with {len(widths)} stride-2 stages needs square images whose side is "
            f"divisible by {factor}, got {height}×{width}; change dataset.image_size or model.net.widths"
        )
    return channels, height // factor


def conv_encoder(data_shape: Sequence[int], out_dim: int, widths: Sequence[int] = (32, 64, 128)) -> nn.Module:
    """Strided convs (LeakyReLU) down by 2**len(widths), then a linear map to R^out_dim."""
    widths = [int(w) for w in widths]
    channels, side = _check_shape(data_shape, widths)
    layers: list[nn.Module] = []
    c_in = channels
    for w in widths:
        layers += [nn.Conv2d(c_in, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        c_in = w
    layers += [nn.Flatten(), nn.Linear(widths[-1] * side * side, out_dim)]
    return nn.Sequential(*layers)


def conv_decoder(data_shape: Sequence[int], in_dim: int, widths: Sequence[int] = (32, 64, 128)) -> nn.Module:
    """The encoder's mirror: linear map, then transposed convs up to the image (unbounded outputs)."""
    widths = [int(w) for w in widths]
    channels, side = _check_shape(data_shape, widths)
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
    return nn.Sequential(*layers)


def conv_pair(
    data_shape: Sequence[int], encoder_out: int, decoder_in: int, widths: Sequence[int] = (32, 64, 128)
) -> tuple[nn.Module, nn.Module]:
    """Strided-conv encoder to R^encoder_out and transposed-conv decoder from R^decoder_in."""
    return conv_encoder(data_shape, encoder_out, widths), conv_decoder(data_shape, decoder_in, widths)
