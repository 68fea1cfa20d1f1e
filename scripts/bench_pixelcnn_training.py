"""PixelCNN training throughput: genlab (Lightning) vs a plain PyTorch loop.

The default `model=pixelcnn` network (masked convolutions, binarised pixels, Adam 1e-3) on the
embedded digits as one in-memory tensor, both sides in one process, alternating, best of
`--repeats`. Bare by default; `--defaults` runs genlab as a user does (validation, checkpoints,
sample grids, progress bar, TensorBoard). scripts/bench_pixelcnn.py measures sampling.

    python scripts/bench_pixelcnn_training.py --batches 60 --image-size 28
    python scripts/bench_pixelcnn_training.py --batches 60 --image-size 28 --defaults
"""

import argparse
from pathlib import Path

import torch
from bench_common import Run, Step, bench_run, compare_on_data, descend, device_of, plain_adam

from genlab.nn.pixelcnn import pixelcnn


def genlab_run(args: argparse.Namespace, output_dir: Path) -> Run:
    return bench_run(args, output_dir, "pixelcnn", args.batches, [])


def plain_step(args: argparse.Namespace, data: torch.Tensor) -> Step:
    network = pixelcnn(tuple(data.shape[1:]), levels=1).to(device_of(args.device))
    optimiser = plain_adam(args, network.parameters(), lr=1e-3)

    def step(x: torch.Tensor, index: int) -> None:
        values = x.round()
        out = network(values * 2 - 1, None)
        nll = torch.nn.functional.binary_cross_entropy_with_logits(out, values, reduction="none")
        loss = nll.flatten(1).sum(1).mean() / x[0].numel()
        descend(optimiser, loss)

    return step


def main() -> None:
    compare_on_data(__doc__, plain_step, genlab_run)


if __name__ == "__main__":
    main()
