"""How right a face swap is where the right answer is known: on `thick_digits` the swap of a
digit A→B must be the same digit with thickened strokes (`Thickened`), so its L1 error is
measured against that, beside two references a swap must beat: doing nothing (the digit itself)
and the right answer for another digit (a decoder that ignores its input and paints a typical
thick digit)."""

import torch
import torch.nn.functional as F
from torch import Tensor

from genlab.data.domains import Thickened
from genlab.models.capabilities import Translates


@torch.no_grad()
def swap_errors(model: Translates, digits: Tensor, radius: int, seed: int = 0) -> dict[str, float]:
    """Mean L1 errors on `digits` (identity A's images in [0, 1]): `swap` (model's A→B against the
    thickened digit), `unchanged` (the digit itself against it), `another_digit` (the thickened
    digit of a random other example against it)."""
    truth = Thickened(radius)(digits)
    swapped = model.translate(digits, "AtoB").cpu()
    order = torch.randperm(len(digits), generator=torch.Generator().manual_seed(seed))
    return {
        "swap": float(F.l1_loss(swapped, truth)),
        "unchanged": float(F.l1_loss(digits, truth)),
        "another_digit": float(F.l1_loss(truth[order], truth)),
    }
