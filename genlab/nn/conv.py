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


def conv_pair(
    data_shape: Sequence[int], encoder_out: int, decoder_in: int, widths: Sequence[int] = (32, 64, 128)
) -> tuple[nn.Module, nn.Module]:
    """Strided-conv encoder to R^encoder_out and transposed-conv decoder from R^decoder_in."""
    widths = [int(w) for w in widths]
    channels, side = _check_shape(data_shape, widths)
    enc: list[nn.Module] = []
    c_in = channels
    for w in widths:
        enc += [nn.Conv2d(c_in, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        c_in = w
    enc += [nn.Flatten(), nn.Linear(widths[-1] * side * side, encoder_out)]

    dec: list[nn.Module] = [
        nn.Linear(decoder_in, widths[-1] * side * side),
        nn.Unflatten(1, (widths[-1], side, side)),
        nn.ReLU(),
    ]
    rev = list(reversed(widths))
    for w_in, w_out in zip(rev, [*rev[1:], None], strict=True):
        if w_out is None:
            dec.append(nn.ConvTranspose2d(w_in, channels, 4, stride=2, padding=1))
        else:
            dec += [nn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1), nn.ReLU()]
    return nn.Sequential(*enc), nn.Sequential(*dec)
