"""How close translated images are to their targets: L1, PSNR (torchmetrics) and SSIM
(genlab.metrics.ssim), for the paired translators (pix2pix, super-resolution, inpainting), each
beside a trivial baseline's, so that "better than doing nothing" is a number in the logs."""

import torch.nn.functional as F
from torch import Tensor
from torchmetrics.functional.image import peak_signal_noise_ratio

from genlab.metrics.ssim import ssim


def fidelity_terms(target: Tensor, guesses: dict[str, Tensor]) -> dict[str, Tensor]:
    """`{prefix}l1`, `{prefix}psnr`, `{prefix}ssim` for each `prefix → guess` (images in [0, 1])."""
    terms = {}
    for prefix, guess in guesses.items():
        terms[f"{prefix}l1"] = F.l1_loss(guess, target)
        terms[f"{prefix}psnr"] = peak_signal_noise_ratio(guess, target, data_range=1.0)
        terms[f"{prefix}ssim"] = ssim(guess, target)
    return terms
