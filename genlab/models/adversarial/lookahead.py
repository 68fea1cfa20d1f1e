"""The unrolled GAN's look-ahead (Metz et al., 2017): G's loss against the discriminator as it
will be after k more of its own steps, differentiated through those steps.

D's parameters θ_D are copied, k steps of D's own optimiser rule are taken on the copies —
written here as differentiable functions of the gradients, with the optimiser's current state
(Adam's moments and step count, SGD's momentum) — and G's loss is evaluated with θ_D^k in place of
θ_D. Because each step's gradient is taken with `create_graph`, G's gradient includes how D would
react to G's change (the paper's second term, which its reference code keeps and which a
first-order shortcut drops). D itself is not changed: the look-ahead is only for G's step.
With k = 0 nothing is unrolled and G's loss is the plain one.
"""

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call
from torch.optim import SGD, Adam, AdamW, Optimizer, RMSprop

from genlab.errors import GenlabError

RULES = (Adam, AdamW, SGD, RMSprop)


class _Running(nn.Module):
    """Runs a closure while `torch.func.functional_call` has `net`'s parameters replaced."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, play: Callable[[], Any]) -> Any:
        return play()


def with_parameters(net: nn.Module, tensors: dict[str, Tensor], play: Callable[[], Any]) -> Any:
    """`play()` with `net`'s parameters taken from `tensors` (by name); buffers are copies, so batch
    statistics gathered meanwhile do not leak into the real network."""
    swapped = {f"net.{name}": t for name, t in tensors.items()}
    swapped.update({f"net.{name}": b.clone() for name, b in net.named_buffers()})
    return functional_call(_Running(net), swapped, (play,), strict=False)


def check_rule(optimizer: Optimizer) -> None:
    """Refuse, in one line, an optimiser whose rule the look-ahead cannot unroll."""
    if not isinstance(optimizer, RULES):
        names = ", ".join(rule.__name__ for rule in RULES)
        raise GenlabError(
            f"model.unroll_steps needs D's optimiser to be one of {names}; {type(optimizer).__name__} is not "
            "(choose another optimizer= or set model.unroll_steps=0)"
        )
    for group in optimizer.param_groups:
        if group.get("amsgrad") or group.get("maximize") or group.get("nesterov") or group.get("centered"):
            raise GenlabError(
                "model.unroll_steps: D's optimiser uses amsgrad, maximize, nesterov or centered, which the "
                "look-ahead does not unroll; turn them off or set model.unroll_steps=0"
            )


class _Unrolled:
    """One parameter's differentiable copy of D's optimiser: its value, its rule's state, its group."""

    def __init__(self, optimizer: Optimizer, param: nn.Parameter, group: dict) -> None:
        state = optimizer.state.get(param, {})
        self.optimizer, self.group = optimizer, group
        self.value = param.detach().clone().requires_grad_()
        self.steps = float(state.get("step", 0))
        zeros = torch.zeros_like(param)
        self.first = state.get("exp_avg", state.get("momentum_buffer", zeros))
        if self.first is None:
            self.first = zeros
        self.second = state.get("exp_avg_sq", state.get("square_avg", zeros))
        self.fresh_momentum = state.get("momentum_buffer") is None  # SGD's first step takes the gradient as is

    def step(self, grad: Tensor) -> None:
        group, self.steps = self.group, self.steps + 1
        lr, decay = group["lr"], group.get("weight_decay", 0.0)
        if isinstance(self.optimizer, AdamW):
            self.value = self.value * (1 - lr * decay)
        elif decay:
            grad = grad + decay * self.value
        if isinstance(self.optimizer, Adam | AdamW):
            beta1, beta2 = group["betas"]
            self.first = beta1 * self.first + (1 - beta1) * grad
            self.second = beta2 * self.second + (1 - beta2) * grad.square()
            mean = self.first / (1 - beta1**self.steps)
            # + 1e-16 under the root: √ has no derivative at 0, where a dead unit's gradient sits
            spread = (self.second / (1 - beta2**self.steps) + 1e-16).sqrt()
            self.value = self.value - lr * mean / (spread + group["eps"])
        elif isinstance(self.optimizer, RMSprop):
            alpha = group["alpha"]
            self.second = alpha * self.second + (1 - alpha) * grad.square()
            self.value = self.value - lr * grad / ((self.second + 1e-16).sqrt() + group["eps"])
        else:
            momentum = group.get("momentum", 0.0)
            if momentum:
                fresh, self.fresh_momentum = self.fresh_momentum, False
                self.first = grad if fresh else momentum * self.first + (1 - group["dampening"]) * grad
                grad = self.first
            self.value = self.value - lr * grad


def look_ahead(
    net: nn.Module, optimizer: Optimizer, steps: int, d_loss: Callable[[], Tensor], then: Callable[[], Any]
) -> Any:
    """`then()` evaluated with `net`'s parameters after `steps` differentiable steps of `optimizer`'s
    rule on `d_loss()` (both closures call `net` as usual)."""
    check_rule(optimizer)
    group_of = {id(p): g for g in optimizer.param_groups for p in g["params"]}
    named = [(name, p) for name, p in net.named_parameters() if id(p) in group_of]
    copies = [_Unrolled(optimizer, p, group_of[id(p)]) for _, p in named]
    names: Sequence[str] = [name for name, _ in named]

    def current() -> dict[str, Tensor]:
        return {name: copy.value for name, copy in zip(names, copies, strict=True)}

    for _ in range(steps):
        loss = with_parameters(net, current(), d_loss)
        grads = torch.autograd.grad(loss, [c.value for c in copies], create_graph=True, allow_unused=True)
        for copy, grad in zip(copies, grads, strict=True):
            copy.step(grad if grad is not None else torch.zeros_like(copy.value))
    return with_parameters(net, current(), then)
