"""What a network's last weight layer received: a discriminator's learnt features Dis_l.

VAE-GAN (Larsen et al., 2016) measures reconstructions in the space of D's last hidden layer.
Rather than asking every discriminator builder for a second output, a forward pre-hook on the
network's last `Linear` or `Conv2d` (in registration order, which for genlab's sequential
discriminators is the order they run in) keeps that layer's input from each forward pass — so any
D works as it is: DCGAN's, the MLP, the residual one, with spectral norm or views around it.
"""

from torch import Tensor, nn

from genlab.errors import GenlabError


class LastLayerInput:
    """Runs `net` and returns (its output, the input of its last weight layer) of the same pass."""

    def __init__(self, net: nn.Module, what: str) -> None:
        layers = [m for m in net.modules() if isinstance(m, nn.Linear | nn.Conv2d)]
        if not layers:
            raise GenlabError(f"{what} has no Linear or Conv2d layer whose input could serve as its features")
        self.net = net
        self._seen: Tensor | None = None
        layers[-1].register_forward_pre_hook(self._keep)

    def _keep(self, module: nn.Module, args: tuple[Tensor, ...]) -> None:
        self._seen = args[0]

    def __call__(self, x: Tensor) -> tuple[Tensor, Tensor]:
        self._seen = None
        out = self.net(x)
        seen, self._seen = self._seen, None
        assert seen is not None, "the last weight layer did not run"
        return out, seen
