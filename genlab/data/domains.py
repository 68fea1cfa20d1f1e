"""Image domains made from images by a fixed, vectorised transform: the source side of the
embedded translation datasets (`genlab/data/translation.py`), so that they need no download.

- `CannyEdges`: scikit-image's Canny detector (thin, connected outlines: the edges → photo task
  of the lecture, on digits); `SobelEdges`: the Sobel gradient magnitude thresholded at a
  quantile of each image's own magnitudes (thick edges, no smoothing);
- `Downsampled`: an area-averaged low-resolution copy, upsampled back by nearest neighbour so both
  sides share one shape (super-resolution), or kept small (`keep_size=False`, for SRResNet);
- `Masked`: a centred square hole filled with a constant (inpainting, context encoders);
- `Inverted`: 1 − x (an unpaired domain whose ideal mapping is known);
- `Tinted`: grey images coloured by a fixed RGB tint (an unpaired colour domain);
- `Thickened`: strokes widened by a grey dilation (the same digits in another hand: face swap's
  second identity, whose correct swap of any digit is known).
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from genlab.errors import GenlabError


class Domain:
    """`__call__(x)` maps a batch of images in [0, 1] to the domain; `channels(c)` its channel count."""

    def __call__(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def channels(self, channels: int) -> int:
        return channels

    def side(self, side: int) -> int:
        return side


class CannyEdges(Domain):
    """Per image, on the grey level: Gaussian smoothing of width `sigma` px, gradients, thinning
    to 1-px ridges and hysteresis (scikit-image's thresholds: 10 % and 20 % of the dtype's range)."""

    def __init__(self, sigma: float = 1.5) -> None:
        if sigma <= 0:
            raise GenlabError(f"CannyEdges(sigma={sigma}) is the smoothing width in pixels and must be positive")
        self.sigma = float(sigma)

    def __call__(self, x: Tensor) -> Tensor:
        from skimage.feature import canny

        grey = x.mean(dim=1).cpu().numpy()
        edges = torch.from_numpy(np.stack([canny(image, sigma=self.sigma) for image in grey]))
        return edges[:, None].to(x.dtype).to(x.device).expand_as(x).contiguous()


class SobelEdges(Domain):
    def __init__(self, quantile: float = 0.8) -> None:
        if not 0 < quantile < 1:
            raise GenlabError(
                f"SobelEdges(quantile={quantile}) must be in (0, 1), e.g. 0.8: the share of pixels left dark"
            )
        self.quantile = quantile

    def __call__(self, x: Tensor) -> Tensor:
        sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
        kernels = torch.stack([sobel, sobel.T])[:, None].to(x)
        grey = x.mean(dim=1, keepdim=True)
        magnitude = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), kernels).norm(dim=1, keepdim=True)
        threshold = magnitude.flatten(1).quantile(self.quantile, dim=1)[:, None, None, None]
        return (magnitude > threshold.clamp_min(1e-6)).to(x.dtype).expand_as(x).contiguous()


class Downsampled(Domain):
    def __init__(self, factor: int = 4, keep_size: bool = True) -> None:
        if factor < 2:
            raise GenlabError(f"Downsampled(factor={factor}) must be at least 2")
        self.factor, self.keep_size = int(factor), keep_size

    def __call__(self, x: Tensor) -> Tensor:
        if x.shape[-1] % self.factor:
            raise GenlabError(f"a {x.shape[-1]}-px side is not divisible by the downsampling factor {self.factor}")
        small = F.avg_pool2d(x, self.factor)
        return F.interpolate(small, scale_factor=self.factor, mode="nearest") if self.keep_size else small

    def side(self, side: int) -> int:
        return side if self.keep_size else side // self.factor


class Masked(Domain):
    def __init__(self, hole: float = 0.5, fill: float = 0.0) -> None:
        if not 0 < hole < 1:
            raise GenlabError(f"Masked(hole={hole}) is the hole's side as a fraction of the image's, in (0, 1)")
        self.hole, self.fill = hole, fill

    def mask(self, side: int) -> Tensor:
        """(side, side) with 1 inside the centred hole."""
        size = max(1, round(side * self.hole))
        start = (side - size) // 2
        mask = torch.zeros(side, side)
        mask[start : start + size, start : start + size] = 1
        return mask

    def __call__(self, x: Tensor) -> Tensor:
        hole = self.mask(x.shape[-1]).to(x)
        return x * (1 - hole) + self.fill * hole


class Inverted(Domain):
    def __call__(self, x: Tensor) -> Tensor:
        return 1 - x


class Tinted(Domain):
    def __init__(self, tint: tuple[float, float, float] = (1.0, 0.55, 0.1)) -> None:
        self.tint = torch.tensor([float(t) for t in tint])

    def __call__(self, x: Tensor) -> Tensor:
        return x.mean(dim=1, keepdim=True) * self.tint.to(x)[None, :, None, None]

    def channels(self, channels: int) -> int:
        return 3


class Thickened(Domain):
    """Grey dilation by a (2·radius + 1)² square: every pixel takes the brightest value around it,
    so light strokes on a dark ground grow by `radius` px on each side."""

    def __init__(self, radius: int = 1) -> None:
        if radius < 1:
            raise GenlabError(f"Thickened(radius={radius}) is the growth of each stroke side in pixels; use 1 or more")
        self.radius = int(radius)

    def __call__(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, 2 * self.radius + 1, stride=1, padding=self.radius)
