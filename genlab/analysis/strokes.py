"""A drawn shape's slant and width from its image moments: the two numbers InfoGAN's continuous
codes are known to take on digits (Chen et al., 2016, Fig. 2), so a code sweep can be read as a
measurement and not only by eye.

With the central moments μ_pq of the grey image (p along rows, downwards; q along columns),
slant is the shear −μ11/μ20 (columns moved per row, positive when the top leans right, as in
italics) and width is the horizontal spread √(μ02/μ00) in pixels.
"""

import numpy as np
from skimage.measure import moments_central
from torch import Tensor


def slant_and_width(images: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(slant, width) of each image of a batch (N, C, H, W) in [0, 1], channels averaged."""
    grey = images.detach().float().mean(dim=1).cpu().numpy().astype(np.float64)
    mu = np.stack([moments_central(image, order=2) for image in grey])
    return -mu[:, 1, 1] / mu[:, 2, 0], np.sqrt(mu[:, 0, 2] / mu[:, 0, 0])
