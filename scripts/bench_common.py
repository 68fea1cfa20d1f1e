"""What the training benchmarks share: their command-line options, the digits as one tensor, the
best-of-N alternation of the plain loop and genlab, and device helpers."""

import argparse
from collections.abc import Callable
from pathlib import Path

import torch

from genlab.run import resolvers


def training_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--repeats", type=int, default=2)
    return parser


def digits_images(image_size: int) -> torch.Tensor:
    from genlab.data.digits import DigitsDataModule

    resolvers.register()
    digits = DigitsDataModule(name="digits", shape=(1, image_size, image_size), image_size=image_size)
    return digits.load_tensors()[0]


def best_of(repeats: int, plain: Callable[[], float], genlab: Callable[[Path], float], tmp: Path) -> dict[str, float]:
    """images/s of each side, the best of `repeats` runs, alternating so both see the same machine."""
    best = {"genlab": 0.0, "plain": 0.0}
    for repeat in range(repeats):
        torch.manual_seed(repeat)
        best["plain"] = max(best["plain"], plain())
        best["genlab"] = max(best["genlab"], genlab(tmp / str(repeat)))
    return best


def device_of(name: str) -> torch.device:
    return torch.device("cuda" if name == "gpu" else "cpu")


def synchronise(device: str) -> None:
    if device == "gpu":
        torch.cuda.synchronize()
