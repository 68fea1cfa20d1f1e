"""Ways a discriminator can look at the batch rather than one example at a time, as wrappers of
any D factory, so they reach every network (MLP, DCGAN, residual, patch) and every family.

- Packing (PacGAN, Lin et al., 2018): D judges m samples at once, concatenated along the
  channel (or feature) axis. A generator that covers few modes makes packs whose members look
  alike, which real packs rarely do, so D penalises collapse directly.
- Minibatch standard deviation (Karras et al., 2018, `genlab.nn.minibatch`): one input feature
  more, the spread of the batch; a collapsed batch has almost none.

What D takes besides the images (progressive growing's stage) passes through a view unchanged.
A packed D still answers one score per example — the score of the pack it sits in — so the
objectives (their batch means equal the means over packs exactly), the monitors and the score
surfaces of 2-D plots stay per example. Penalties on D's input gradients would count each pack m
times, so the game refuses them beside packing (`game.Game`).
"""

from collections.abc import Callable, Sequence
from functools import partial

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.nn.minibatch import minibatch_stddev

DiscriminatorFactory = Callable[..., nn.Module]  # (data_shape, outputs=k, …) -> module


class View:
    """Turns a D factory into one whose networks see the batch this way."""

    input_gradients_defined = True  # D(x)'s gradient with respect to each example is its own

    def wrap(self, factory: DiscriminatorFactory) -> DiscriminatorFactory:
        raise NotImplementedError


class Packed(nn.Module):
    """`net`, built for m× wider inputs, applied to packs of m consecutive examples (the batch
    wraps around to fill the last pack); each example gets its pack's output."""

    def __init__(self, net: nn.Module, m: int) -> None:
        super().__init__()
        self.net, self.m = net, m

    def forward(self, x: Tensor, *context: object) -> Tensor:
        n = x.shape[0]
        filled = x[torch.arange(-(-n // self.m) * self.m, device=x.device) % n]
        packs = filled.reshape(-1, self.m * x.shape[1], *x.shape[2:])
        return self.net(packs, *context).repeat_interleave(self.m, dim=0)[:n]


class Packing(View):
    input_gradients_defined = False

    def __init__(self, m: int = 2) -> None:
        if m < 1:
            raise GenlabError(f"model.views.packing.m={m} must be a whole number ≥ 1 (samples per pack)")
        self.m = int(m)

    def wrap(self, factory: DiscriminatorFactory) -> DiscriminatorFactory:
        return partial(self._build, factory)

    def _build(self, factory: DiscriminatorFactory, data_shape: Sequence[int], outputs: int = 1, **kwargs) -> nn.Module:
        if outputs != 1 or kwargs.get("classes"):
            raise GenlabError(
                "model/view=packing: D judges packs of samples, so per-sample heads (ACGAN's classes, "
                "InfoGAN's codes, BiGAN's encoder) and per-sample inputs (the projection D's labels) have no "
                "meaning; drop the packing or the conditioning"
            )
        shape = [int(s) for s in data_shape]
        shape[0] *= self.m
        return Packed(factory(shape, outputs=outputs, **kwargs), self.m)


class WithMinibatchStd(nn.Module):
    def __init__(self, net: nn.Module, group_size: int) -> None:
        super().__init__()
        self.net, self.group_size = net, group_size

    def forward(self, x: Tensor, *context: object) -> Tensor:
        return self.net(minibatch_stddev(x, self.group_size), *context)


class MinibatchStd(View):
    def __init__(self, group_size: int = 4) -> None:
        if group_size < 2:
            raise GenlabError(
                f"model.views.minibatch_std.group_size={group_size} must be at least 2 (a spread needs two samples)"
            )
        self.group_size = int(group_size)

    def wrap(self, factory: DiscriminatorFactory) -> DiscriminatorFactory:
        return partial(self._build, factory)

    def _build(self, factory: DiscriminatorFactory, data_shape: Sequence[int], **kwargs) -> nn.Module:
        shape = [int(s) for s in data_shape]
        shape[0] += 1
        return WithMinibatchStd(factory(shape, **kwargs), self.group_size)
