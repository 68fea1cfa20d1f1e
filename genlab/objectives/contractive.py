"""The contractive autoencoder's penalty ‖J_f(x)‖²_F, batched.

The Jacobian of the encoder f at each example is built row by row with one vectorised backward
pass (`is_grads_batched`): the k code units become k vmapped vector–Jacobian products over the
whole batch, so there is no Python loop over examples or units. Examples must not interact in f
(no batch norm), which is also what makes a per-example Jacobian meaningful.

vmap cannot batch the NaN checks of anomaly detection (`trainer=debug`), so with anomaly
detection on, the k products are taken one after another instead: the same rows, k backward
passes, and every one of them checked.
"""

from collections.abc import Callable

import torch
from torch import Tensor


def jacobian_frobenius_sq(encode: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Σ_ij (∂f_i/∂x_j)² per example; differentiable, so it can be minimised."""
    x = x.detach().requires_grad_(True)
    code = encode(x).flatten(1)
    k = code.shape[1]
    basis = torch.eye(k, dtype=code.dtype, device=code.device)
    grad_outputs = basis[:, None, :].expand(k, *code.shape)
    if torch.is_anomaly_enabled():
        rows = torch.stack(
            [
                torch.autograd.grad(code, x, grad_outputs=g, retain_graph=True, create_graph=True)[0]
                for g in grad_outputs
            ]
        )
    else:
        (rows,) = torch.autograd.grad(code, x, grad_outputs=grad_outputs, is_grads_batched=True, create_graph=True)
    return rows.pow(2).transpose(0, 1).flatten(1).sum(1)


def contractive_penalty(encode: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Batch mean of ‖J_f(x)‖²_F."""
    return jacobian_frobenius_sq(encode, x).mean()
