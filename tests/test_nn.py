"""Network builders: shapes for every supported size, clear errors for unsupported ones."""

import pytest
import torch

from genlab.errors import GenlabError
from genlab.nn.conv import conv_pair
from genlab.nn.denoisers import unet
from genlab.nn.gan import dcgan_discriminator, dcgan_generator
from genlab.nn.mlp import mlp_pair
from genlab.nn.padding import margins


@pytest.mark.parametrize("shape", [(1, 16, 16), (1, 32, 32), (3, 64, 64), (1, 28, 28), (3, 20, 20)])
def test_conv_pair_round_trips_shapes(shape):
    encoder, decoder = conv_pair(shape, encoder_out=10, decoder_in=5, widths=(8, 16, 32))
    x = torch.rand(2, *shape)
    assert encoder(x).shape == (2, 10)
    assert decoder(torch.randn(2, 5)).shape == (2, *shape)


def test_a_side_the_strides_do_not_divide_is_padded_in_and_cropped_out_centred():
    torch.manual_seed(0)
    encoder, decoder = conv_pair((1, 28, 28), 4, 4, widths=(8, 16, 32))
    x = torch.rand(2, 1, 28, 28)
    torch.testing.assert_close(encoder(x), encoder.net(torch.nn.functional.pad(x, (2, 2, 2, 2))))
    z = torch.randn(2, 4)
    torch.testing.assert_close(decoder(z), decoder.net(z)[..., 2:30, 2:30])
    generator, critic = dcgan_generator((1, 28, 28), 8, width=8), dcgan_discriminator((1, 28, 28), width=8)
    assert generator(torch.randn(3, 8)).shape == (3, 1, 28, 28) and critic(torch.rand(3, 1, 28, 28)).shape == (3,)
    unpadded = unet((1, 28, 28), widths=(8, 16, 16), groups=4).unet
    assert unpadded.config.sample_size == 28, "two halvings of 28 need no padding"
    assert unpadded.config.down_block_types == ("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"), "attends at 7 px"
    denoiser = unet((1, 28, 28), widths=(8, 16, 16, 16), groups=4)
    assert denoiser.padded and denoiser.unet.config.sample_size == 32
    assert denoiser(torch.randn(2, 1, 28, 28), torch.tensor([3, 500])).shape == (2, 1, 28, 28)
    assert margins(5, 8) == (1, 2), "an odd difference puts the extra pixel after"


def test_conv_pair_rejects_shapes_it_cannot_take():
    with pytest.raises(GenlabError, match=r"square images, got 28×32"):
        conv_pair((1, 28, 32), 4, 4, widths=(8, 16, 32))
    with pytest.raises(GenlabError, match="model/net=mlp"):
        conv_pair((2,), 4, 4)
    with pytest.raises(GenlabError, match="DCGAN needs square images of side 8 or more, got 4×4"):
        dcgan_generator((1, 4, 4), 8)


def test_mlp_pair_handles_points_and_images():
    for shape in [(2,), (1, 28, 28)]:
        encoder, decoder = mlp_pair(shape, 6, 3, hidden=(16,))
        assert encoder(torch.rand(4, *shape)).shape == (4, 6)
        assert decoder(torch.randn(4, 3)).shape == (4, *shape)
