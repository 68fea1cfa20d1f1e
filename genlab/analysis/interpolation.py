"""Walking through a latent space: interpolation between codes and truncation."""

import zlib

import torch
from torch import Tensor


def lerp(z0: Tensor, z1: Tensor, t: Tensor) -> Tensor:
    """Straight line; midpoints of Gaussian codes have a smaller norm than typical samples."""
    t = t.view(-1, *([1] * z0.dim()))
    return (1 - t) * z0 + t * z1


def slerp(z0: Tensor, z1: Tensor, t: Tensor) -> Tensor:
    """Great-circle path (Shoemake; White, 2016): keeps intermediate codes at a typical norm."""
    t = t.view(-1, *([1] * z0.dim()))
    cos = (z0 * z1).sum() / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1 + 1e-7, 1 - 1e-7))
    if omega.abs() < 1e-4:
        return lerp(z0, z1, t.flatten())
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def interpolation_grid(endpoints: Tensor, steps: int, method: str = "slerp") -> Tensor:
    """Rows of `steps` codes from endpoints[2i] to endpoints[2i+1], flattened row-major."""
    paths = {"lerp": lerp, "slerp": slerp}
    if method not in paths:
        raise ValueError(f"unknown interpolation {method!r}; use lerp or slerp")
    t = torch.linspace(0, 1, steps)
    return torch.cat([paths[method](endpoints[i], endpoints[i + 1], t) for i in range(0, len(endpoints) - 1, 2)])


def truncate(z: Tensor, psi: float) -> Tensor:
    """The truncation trick in Z: codes pulled towards the prior's mean (0) by ψ ∈ (0, 1]."""
    return psi * z


TRUNCATION_BOUND = 2.0  # BigGAN's samplers draw from N(0, 1) truncated at ±2, then scale by ψ


def resample_truncated(z: Tensor, psi: float, bound: float = TRUNCATION_BOUND) -> Tensor:
    """BigGAN's truncation trick: each value of z beyond ±`bound` redrawn from N(0, 1) until it
    falls inside, then everything scaled by ψ ∈ (0, 1] — codes from a normal truncated at ±ψ·bound,
    not squeezed towards 0 as `truncate` does. The redraws are seeded by z's bytes: the same codes
    give the same picture, and two batches do not share redraws."""
    generator = torch.Generator().manual_seed(zlib.crc32(z.detach().cpu().numpy().tobytes()))
    z = z.detach().cpu().clone()
    outside = z.abs() > bound
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator, dtype=z.dtype)
        outside = z.abs() > bound
    return psi * z
