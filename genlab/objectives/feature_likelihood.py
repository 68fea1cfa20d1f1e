"""VAE-GAN's reconstruction term (Larsen et al., 2016, eq. 7): a Gaussian observation model on the
discriminator's l-th layer, p(Dis_l(x) | z) = N(Dis_l(x) | Dis_l(x̃), I), so that the reconstruction
is judged by features D learnt to tell real from generated, not pixel by pixel."""

from torch import Tensor


def feature_nll(real: Tensor, reconstructed: Tensor) -> Tensor:
    """−log p(Dis_l(x) | z) up to its constant: ½‖Dis_l(x) − Dis_l(x̃)‖² summed over the features,
    one value per example."""
    return 0.5 * (real - reconstructed).flatten(1).square().sum(dim=1)
