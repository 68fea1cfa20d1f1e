"""pix2pix's random jitter on whole batches, on the device: each image enlarged to `load_size`,
a random `side`×`side` crop of it, and a random horizontal flip — with the same draws for the two
sides of a pair (a crop that moved the target but not its source would teach misalignment), or
independent draws for unpaired domains. The draws come from the global RNG, which every
checkpoint saves, so a resumed run crops as the uninterrupted one did."""

import torch
import torch.nn.functional as F
from torch import Tensor


def crops(x: Tensor, rows: Tensor, cols: Tensor, side: int) -> Tensor:
    """`x[n, :, rows[n] : rows[n] + side, cols[n] : cols[n] + side]` for every n, in one gather."""
    steps = torch.arange(side, device=x.device)
    r, c = (rows[:, None] + steps)[:, :, None], (cols[:, None] + steps)[:, None, :]
    return x[torch.arange(len(x), device=x.device)[:, None, None], :, r, c].permute(0, 3, 1, 2)


class Draws:
    """One batch's crop offsets and flips."""

    def __init__(self, n: int, room: int, flip: bool, device: torch.device) -> None:
        self.rows = torch.randint(0, room + 1, (n,), device=device)
        self.cols = torch.randint(0, room + 1, (n,), device=device)
        self.flips = torch.rand(n, device=device) < 0.5 if flip else None

    def apply(self, x: Tensor, load_size: int | None) -> Tensor:
        if load_size is not None and load_size != x.shape[-1]:
            side = x.shape[-1]
            x = crops(F.interpolate(x, size=(load_size, load_size), mode="bilinear"), self.rows, self.cols, side)
        if self.flips is not None:
            x = torch.where(self.flips[:, None, None, None], x.flip(-1), x)
        return x


def jitter(sides: list[Tensor], load_size: int | None, flip: bool, shared: bool) -> list[Tensor]:
    """The jittered sides of a batch; `shared`: the same draws for all of them."""
    room = 0 if load_size is None else load_size - sides[0].shape[-1]
    draws = [Draws(len(sides[0]), room, flip, sides[0].device)]
    for _ in sides[1:]:
        draws.append(draws[0] if shared else Draws(len(sides[0]), room, flip, sides[0].device))
    return [d.apply(x, load_size) for d, x in zip(draws, sides, strict=True)]
