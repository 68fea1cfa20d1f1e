"""Network builders: shapes for every supported size, clear errors for unsupported ones."""

import pytest
import torch

from genlab.errors import GenlabError
from genlab.nn.conv import conv_pair
from genlab.nn.mlp import mlp_pair


@pytest.mark.parametrize("shape", [(1, 16, 16), (1, 32, 32), (3, 64, 64)])
def test_conv_pair_round_trips_shapes(shape):
    encoder, decoder = conv_pair(shape, encoder_out=10, decoder_in=5, widths=(8, 16))
    x = torch.rand(2, *shape)
    assert encoder(x).shape == (2, 10)
    assert decoder(torch.randn(2, 5)).shape == (2, *shape)


def test_conv_pair_rejects_sizes_it_cannot_halve():
    with pytest.raises(GenlabError, match=r"divisible by 8, got 28×28; change dataset.image_size"):
        conv_pair((1, 28, 28), 4, 4, widths=(8, 16, 32))
    with pytest.raises(GenlabError, match="model/net=mlp"):
        conv_pair((2,), 4, 4)


def test_mlp_pair_handles_points_and_images():
    for shape in [(2,), (1, 28, 28)]:
        encoder, decoder = mlp_pair(shape, 6, 3, hidden=(16,))
        assert encoder(torch.rand(4, *shape)).shape == (4, 6)
        assert decoder(torch.randn(4, 3)).shape == (4, *shape)
