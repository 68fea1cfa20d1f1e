"""MNIST-format (IDX) files, plain or gzip'd.

torchvision's reader opens only uncompressed files; reading the `.gz` directly lets genlab use a
read-only copy of the four official files (a course share, a mirror) without unpacking it.
"""

import gzip
from pathlib import Path

import numpy as np
import torch
from torch import Tensor


def read_idx(path: Path) -> Tensor:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">i4", count=ndim, offset=4)
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return torch.from_numpy(array.reshape(tuple(int(d) for d in dims)).copy())
