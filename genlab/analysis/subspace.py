"""The lecture's claim about linear autoencoders, in numbers: a linear AE trained on squared error
spans the same subspace as PCA with as many components (Baldi & Hornik, 1989), though its code
axes are any basis of it, not the principal directions. A non-linear AE bends that subspace into
a manifold; its decoder's tangent space at the mean code is one flat piece of it.

The decoder's subspace is read from the decoder itself: the Jacobian of `decode` at one code
(for an affine decoder, its weight matrix; for any other, the tangent space there), so no model
exposes its layers for this. Principal angles come from SciPy; 0° means the same direction.
"""

from collections.abc import Callable

import numpy as np
import torch
from scipy.linalg import orth, subspace_angles
from sklearn.decomposition import PCA
from torch import Tensor


def decoder_tangents(decode: Callable[[Tensor], Tensor], code: Tensor) -> np.ndarray:
    """The (pixels × latents) Jacobian of `decode` at `code` (shape: latents), by forward-mode
    differentiation (one pass per latent, cheaper than reverse mode for few latents)."""
    jacobian = torch.func.jacfwd(lambda c: decode(c[None])[0].flatten())(code)
    return jacobian.detach().cpu().double().numpy()


def principal_components(examples: np.ndarray, k: int) -> np.ndarray:
    """(pixels × k) top-k principal directions of the examples (centred by PCA, like the AE's biases)."""
    return PCA(n_components=k, svd_solver="full").fit(examples.reshape(len(examples), -1)).components_.T


def principal_angles_degrees(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles between span(a) and span(b), smallest first, in degrees."""
    return np.sort(np.degrees(subspace_angles(a, b)))


def paired_directions(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal bases of span(a) and span(b) rotated onto each other (the principal vectors,
    closest pair first), each pair of one sign: picture row against picture row."""
    qa, qb = orth(a), orth(b)
    u, _, vt = np.linalg.svd(qa.T @ qb)
    pa, pb = qa @ u, qb @ vt.T
    signs = np.sign(np.sum(pa * pb, axis=0))
    return pa, pb * np.where(signs == 0, 1.0, signs)


def direction_images(directions: np.ndarray, shape: tuple[int, ...]) -> Tensor:
    """Each column as an image, scaled to [0, 1] around 0 (grey), so signs read as dark and light."""
    scale = np.abs(directions).max(axis=0, keepdims=True)
    scaled = 0.5 + 0.5 * directions / np.where(scale == 0, 1.0, scale)
    return torch.from_numpy(scaled.T.copy()).float().reshape(-1, *shape)
