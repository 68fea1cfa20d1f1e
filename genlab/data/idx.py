"""MNIST-format (IDX) files, plain or gzip'd.

torchvision's reader opens only uncompressed files; reading the `.gz` directly lets genlab use a
read-only copy of the four official files (a course share, a mirror) without unpacking it.
"""

import gzip
import zlib
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from genlab.data.errors import corrupt_file


def read_idx(path: Path) -> Tensor:
    """The file's array; a truncated, non-gzip or non-IDX file is a one-line error naming it."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise corrupt_file(path, f"the gzip stream is damaged or cut short: {exc}") from None
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise corrupt_file(path, "not an unsigned-byte IDX file")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise corrupt_file(path, "its header is cut short")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">i4", count=ndim, offset=4))
    expected = 4 + 4 * ndim + int(np.prod(dims))
    if len(data) != expected:
        raise corrupt_file(path, f"{len(data)} bytes where its header promises {expected}: truncated or padded")
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return torch.from_numpy(array.reshape(dims).copy())
