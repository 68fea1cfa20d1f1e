"""PixelRNN's two recurrent layers (van den Oord, Kalchbrenner & Kavukcuoglu, 2016) in PixelCNN's
frame (`MaskedStack`: the 7×7 mask-A layer, residual blocks, the masked 1×1 head), so the
likelihood family trains, scores and samples them as it does PixelCNN.

- Row LSTM: an LSTM down the rows, computing a whole row at a time. Its gates at row r are a
  1 × k convolution of the layer's input along row r, masked to the current column and those
  left of it, plus a 1-D convolution of width k of the states of row r − 1. A state sees the k
  states above it, so its context is a triangle widening upwards: it misses pixels far to the
  right in the rows just above and far to the left in its own row.
- Diagonal BiLSTM: the input is *skewed* (row i moved i columns right), so a column of the skewed
  map is a diagonal of the image; an LSTM runs along the columns, and a 2 × 1 convolution gives
  state (i, j) the states left of it (i, j − 1) and above it (i − 1, j). One direction runs left
  to right, the other right to left (on the mirrored image); the second is shifted down a row
  before the two are added, since its state at (i, j) has read the current row's pixels to the
  right. Together they see every pixel before the current one but the last of the row above:
  a layer's input at a position never holds that position's own pixel, and the one state
  holding it, the right-to-left one a row down, is a row too late (the 7×7 layer reaches it
  from the last four columns).

A recurrent state carries every row above it, so `rows_seen` is the image's height: sampling's
window is the whole image so far. One channel only, as for the gated PixelCNN (the paper's
colour masks inside the gates are not built).
"""

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from genlab.nn.pixelcnn import MaskedStack, one_channel


class RowConv(nn.Conv2d):
    """A 1 × k convolution along each row that sees the current column and those left of it
    (mask B for one colour: the layer's input at a pixel holds only earlier pixels already)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int) -> None:
        super().__init__(in_channels, out_channels, (1, kernel), padding=(0, kernel // 2))
        mask = torch.zeros(1, 1, 1, kernel)
        mask[..., : kernel // 2 + 1] = 1
        self.register_buffer("mask", mask)

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


def lstm_step(gates: Tensor, cell: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM update from pre-activations [o, f, i, g] along dim 1: (hidden, cell)."""
    o, f, i, g = gates.chunk(4, dim=1)
    cell = torch.sigmoid(f) * cell + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(cell), cell


class RowLSTM(nn.Module):
    """A residual Row LSTM layer on 2·width features: width hidden units, a 1×1 convolution back."""

    def __init__(self, width: int, kernel: int = 3) -> None:
        super().__init__()
        self.input_to_state = RowConv(2 * width, 4 * width, kernel)
        self.state_to_state = nn.Conv1d(width, 4 * width, kernel, padding=kernel // 2)
        self.out = nn.Conv2d(width, 2 * width, 1)
        self.width = width

    def forward(self, x: Tensor) -> Tensor:
        inputs = self.input_to_state(x).permute(2, 0, 1, 3)  # every row's input-to-state part at once
        hidden = cell = x.new_zeros(x.shape[0], self.width, x.shape[3])
        rows = []
        for row in inputs:
            hidden, cell = lstm_step(row + self.state_to_state(hidden), cell)
            rows.append(hidden)
        return x + self.out(torch.stack(rows, dim=2))


def skew(x: Tensor) -> Tensor:
    """(B, C, H, W) → (B, C, H, W + H − 1): row i moved i columns right, zeros around. Padding
    each row with H zeros and reading the result H − 1 columns narrower does it in one reshape."""
    height, width = x.shape[2:]
    flat = nn.functional.pad(x, (0, height)).flatten(2)[:, :, : height * (width + height - 1)]
    return flat.view(*x.shape[:2], height, width + height - 1)


def unskew(x: Tensor, width: int) -> Tensor:
    """The inverse of `skew` for an image `width` columns wide."""
    height = x.shape[2]
    flat = nn.functional.pad(x.flatten(2), (0, height))
    return flat.view(*x.shape[:2], height, width + height)[..., :width]


class DiagonalLSTM(nn.Module):
    """One direction: left to right along the skewed columns. The 2 × 1 state-to-state
    convolution reads the previous column's states at rows i − 1 and i — in the image, the
    pixel above and the pixel to the left."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.input_to_state = nn.Conv2d(2 * width, 4 * width, 1)
        self.state_to_state = nn.Conv1d(width, 4 * width, 2)
        self.width = width

    def forward(self, x: Tensor) -> Tensor:
        columns = skew(self.input_to_state(x)).permute(3, 0, 1, 2)  # (W + H − 1, B, 4·width, H)
        hidden = cell = x.new_zeros(x.shape[0], self.width, x.shape[2])
        states = []
        for column in columns:
            above_and_here = self.state_to_state(nn.functional.pad(hidden, (1, 0)))  # zeros above row 0
            hidden, cell = lstm_step(column + above_and_here, cell)
            states.append(hidden)
        return unskew(torch.stack(states, dim=3), x.shape[3])


class DiagonalBiLSTM(nn.Module):
    """A residual Diagonal BiLSTM layer on 2·width features: both directions, the right-to-left
    one shifted down a row, summed, and a 1×1 convolution back to 2·width."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.left = DiagonalLSTM(width)
        self.right = DiagonalLSTM(width)
        self.out = nn.Conv2d(width, 2 * width, 1)

    def forward(self, x: Tensor) -> Tensor:
        right = self.right(x.flip(3)).flip(3)
        below = nn.functional.pad(right, (0, 0, 1, 0))[:, :, : x.shape[2]]  # row i gets row i − 1's state
        return x + self.out(self.left(x) + below)


def row_lstm(
    data_shape: Sequence[int], levels: int, width: int = 32, layers: int = 6, classes: int | None = None
) -> MaskedStack:
    channels, height, _ = one_channel(data_shape, "the Row LSTM")
    return MaskedStack(channels, levels, width, [RowLSTM(width) for _ in range(layers)], height, classes)


def diagonal_bilstm(
    data_shape: Sequence[int], levels: int, width: int = 32, layers: int = 6, classes: int | None = None
) -> MaskedStack:
    channels, height, _ = one_channel(data_shape, "the Diagonal BiLSTM")
    return MaskedStack(channels, levels, width, [DiagonalBiLSTM(width) for _ in range(layers)], height, classes)
