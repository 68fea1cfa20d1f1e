"""Autoregressive image networks: p(x) = ∏ᵢ p(xᵢ | x<ᵢ) in raster order, as logits per pixel.

- `pixelcnn`: van den Oord et al. (2016a). A 7×7 convolution with mask A (a pixel does not see
  itself), then residual blocks with mask-B 3×3 convolutions (a pixel sees itself in the
  layers after the first). Stacked masked convolutions leave a *blind spot*: pixels up and to
  the right of the current one that never enter its receptive field.
- `gated_pixelcnn`: van den Oord et al. (2016b). A vertical stack (everything above the
  current row) and a horizontal stack (the current row to the left), joined by a 1×1
  convolution from vertical to horizontal and gated units tanh(a) ⊙ σ(b); the split removes
  the blind spot. Residual connections in the horizontal stack.

Colour images order the channels within a pixel as well (R before G before B): channels are
split into one group per input channel and masks let group j see input groups < j (mask A) or
≤ j (mask B) at the current pixel. No batch norm: statistics over the batch would leak future
pixels. The output has `levels` logits per channel (256 for 8-bit images; 1 — a Bernoulli — for
binarised ones), shaped (B, C, levels, H, W) for `levels` > 1 and (B, C, H, W) otherwise.

With `classes`, both networks model p(x | y) as the gated PixelCNN paper conditions on a one-hot
class: a learnt per-layer, per-channel shift V·onehot(y) (an embedding) added to each layer's
pre-activations. A class is no pixel, so the shifts leave causality as it was.
"""

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from genlab.errors import GenlabError


def channel_mask(out_channels: int, in_channels: int, colours: int, include_own: bool) -> Tensor:
    """(out, in) mask at the centre tap: output group j sees input groups < j (or ≤ j)."""
    out_group = torch.arange(out_channels) * colours // out_channels
    in_group = torch.arange(in_channels) * colours // in_channels
    seen = in_group[None, :] <= out_group[:, None] if include_own else in_group[None, :] < out_group[:, None]
    return seen.float()


class MaskedConv2d(nn.Conv2d):
    """A convolution whose kernel sees only pixels before the centre in raster order (and, at
    the centre, the colour groups the mask type allows)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, mask: str, colours: int) -> None:
        super().__init__(in_channels, out_channels, kernel, padding=kernel // 2)
        centre = kernel // 2
        full = torch.zeros(out_channels, in_channels, kernel, kernel)
        full[:, :, :centre, :] = 1
        full[:, :, centre, :centre] = 1
        full[:, :, centre, centre] = channel_mask(out_channels, in_channels, colours, include_own=mask == "B")
        self.register_buffer("mask", full)

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class MaskedResidual(nn.Module):
    def __init__(self, width: int, colours: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(2 * width, width, 1, "B", colours),
            nn.ReLU(),
            MaskedConv2d(width, width, 3, "B", colours),
            nn.ReLU(),
            MaskedConv2d(width, 2 * width, 1, "B", colours),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class OutputHead(nn.Module):
    """Masked 1×1 layers to `levels` logits per channel (grouped by channel)."""

    def __init__(self, width: int, channels: int, levels: int) -> None:
        super().__init__()
        self.channels, self.levels = channels, levels
        per = levels if levels > 1 else 1
        self.net = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(width, width, 1, "B", channels),
            nn.ReLU(),
            MaskedConv2d(width, channels * per, 1, "B", channels),
        )

    def forward(self, h: Tensor) -> Tensor:
        out = self.net(h)
        b, _, height, width = out.shape
        if self.levels == 1:
            return out
        # the head's output groups are channel-major: channel c owns a contiguous block of logits
        return out.view(b, self.channels, self.levels, height, width)


class LabelShifts(nn.Module):
    """One (B, channels, 1, 1) shift per layer, looked up from the class."""

    def __init__(self, classes: int, layers: int, channels: int) -> None:
        super().__init__()
        self.layers = layers
        self.embedding = nn.Embedding(classes, layers * channels)
        nn.init.zeros_(self.embedding.weight)  # training starts from the unconditional network

    def forward(self, labels: Tensor) -> list[Tensor]:
        return list(self.embedding(labels)[:, :, None, None].chunk(self.layers, dim=1))


def label_shifts(shifts: LabelShifts | None, labels: Tensor | None, layers: int) -> list[Tensor | float]:
    """The per-layer shifts for `labels`; zeros for an unconditional call."""
    if labels is None:
        return [0.0] * layers
    if shifts is None:
        raise GenlabError("labels were given to a PixelCNN built without classes; build it with classes=")
    return shifts(labels)


class MaskedStack(nn.Module):
    """The plain PixelCNN's frame, which PixelRNN (`genlab/nn/pixelrnn.py`) shares: a 7×7 mask-A
    layer to 2·width features, residual `blocks` on them (each input shifted by the class
    first), and the masked 1×1 head. `rows_seen`: how many rows above a pixel reach its
    prediction; sampling runs the network on that window only."""

    def __init__(
        self,
        channels: int,
        levels: int,
        width: int,
        blocks: Sequence[nn.Module],
        rows_seen: int,
        classes: int | None = None,
    ) -> None:
        super().__init__()
        self.rows_seen = rows_seen
        self.first = MaskedConv2d(channels, 2 * width, 7, "A", channels)
        self.blocks = nn.ModuleList(blocks)
        self.shifts = LabelShifts(classes, len(blocks), 2 * width) if classes else None
        self.head = OutputHead(2 * width, channels, levels)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.first(x)
        for block, shift in zip(self.blocks, label_shifts(self.shifts, labels, len(self.blocks)), strict=True):
            h = block(h + shift)
        return self.head(h)


def _down(x: Tensor, rows: int = 1) -> Tensor:
    """Shift down by `rows` (zeros on top): row r then holds what stood above it."""
    return nn.functional.pad(x, (0, 0, rows, 0))[:, :, : x.shape[2], :]


class GatedLayer(nn.Module):
    """One gated layer. The vertical stack, a (k//2 + 1) × k convolution, makes row r of its
    output depend on rows ≤ r; it reaches the horizontal stack only shifted down one row (rows
    < r), by a 1×1 convolution. The horizontal stack, 1 × (k//2 + 1), sees the current row up
    to the current column; in the first layer it is shifted right one column so that a pixel
    never sees itself."""

    def __init__(self, width: int, kernel: int, first: bool, in_channels: int | None = None) -> None:
        super().__init__()
        inputs = in_channels or width
        half = kernel // 2
        self.first = first
        self.vertical = nn.Conv2d(inputs, 2 * width, (half + 1, kernel), padding=(half, half))
        self.horizontal = nn.Conv2d(inputs, 2 * width, (1, half + 1), padding=(0, half))
        self.link = nn.Conv2d(2 * width, 2 * width, 1)
        self.out = nn.Conv2d(width, width, 1)

    def forward(self, v: Tensor, h: Tensor, shift: Tensor | float = 0.0) -> tuple[Tensor, Tensor]:
        """`shift`: the class's (B, 4·width, 1, 1) shift of the vertical and horizontal
        pre-activations, or 0."""
        height, width = v.shape[2:]
        v_shift, h_shift = shift.chunk(2, dim=1) if isinstance(shift, Tensor) else (shift, shift)
        v_raw = self.vertical(v)[:, :, :height, :] + v_shift
        h_raw = self.horizontal(h)[:, :, :, :width]
        if self.first:
            h_raw = nn.functional.pad(h_raw, (1, 0))[:, :, :, :width]
        h_raw = h_raw + self.link(_down(v_raw)) + h_shift
        h_out = self.out(_gate(h_raw))
        return _gate(v_raw), h_out if self.first else h + h_out


def _gate(x: Tensor) -> Tensor:
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedPixelCNN(nn.Module):
    def __init__(
        self, channels: int, levels: int, width: int, layers: int, kernel: int = 5, classes: int | None = None
    ) -> None:
        super().__init__()
        # the vertical stack reaches kernel // 2 rows up in the first layer and one more in each
        # later one; the horizontal stack reads it one row further up
        self.rows_seen = kernel // 2 + (layers - 1) + 1
        self.layers = nn.ModuleList(
            [GatedLayer(width, kernel, first=True, in_channels=channels)]
            + [GatedLayer(width, 3, first=False) for _ in range(layers - 1)]
        )
        self.shifts = LabelShifts(classes, layers, 4 * width) if classes else None
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(width, width, 1), nn.ReLU())
        self.channels, self.levels = channels, levels
        self.logits = nn.Conv2d(width, channels * levels, 1)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        v = h = x
        for layer, shift in zip(self.layers, label_shifts(self.shifts, labels, len(self.layers)), strict=True):
            v, h = layer(v, h, shift)
        out = self.logits(self.head(h))
        if self.levels == 1:
            return out
        b, _, height, width = out.shape
        return out.view(b, self.channels, self.levels, height, width)


def _shape(data_shape: Sequence[int], name: str) -> tuple[int, int, int]:
    if len(data_shape) != 3:
        raise GenlabError(
            f"{name} models images, not {list(data_shape)}-shaped points, so it is not for toy2d; pick an image dataset"
        )
    return tuple(int(s) for s in data_shape)  # type: ignore[return-value]


def one_channel(data_shape: Sequence[int], name: str) -> tuple[int, int, int]:
    """The shape of a one-channel image dataset, or a refusal naming the colour alternative."""
    channels, height, width = _shape(data_shape, name)
    if channels != 1:
        raise GenlabError(
            f"{name} here models one channel, the dataset has {channels}; use model=pixelcnn "
            "(colour ordered within each pixel) or dataset.channels=1"
        )
    return channels, height, width


def pixelcnn(
    data_shape: Sequence[int], levels: int, width: int = 32, blocks: int = 6, classes: int | None = None
) -> MaskedStack:
    """The 7×7 layer reaches 3 rows up, each block's 3×3 one more."""
    channels, _, _ = _shape(data_shape, "PixelCNN")
    residuals = [MaskedResidual(width, channels) for _ in range(blocks)]
    return MaskedStack(channels, levels, width, residuals, rows_seen=3 + blocks, classes=classes)


def gated_pixelcnn(
    data_shape: Sequence[int], levels: int, width: int = 32, layers: int = 6, classes: int | None = None
) -> GatedPixelCNN:
    channels, _, _ = one_channel(data_shape, "the gated PixelCNN")
    return GatedPixelCNN(channels, levels, width, layers, classes=classes)
