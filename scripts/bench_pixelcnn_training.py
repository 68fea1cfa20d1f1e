"""PixelCNN training throughput: genlab (Lightning) vs a plain PyTorch loop.

The default `model=pixelcnn` network (masked convolutions, binarised pixels, Adam 1e-3) on the
embedded digits as one in-memory tensor, both sides in one process, alternating, best of
`--repeats`. Bare by default; `--defaults` runs genlab as a user does (validation, checkpoints,
sample grids, progress bar, TensorBoard). scripts/bench_pixelcnn.py measures sampling.

    python scripts/bench_pixelcnn_training.py --batches 60 --image-size 28
    python scripts/bench_pixelcnn_training.py --batches 60 --image-size 28 --defaults
"""

import argparse
import tempfile
import time
from pathlib import Path

import torch
from bench_common import (
    bench_run,
    best_of,
    device_of,
    digits_images,
    print_ratio,
    synchronise,
    timed_fit,
    training_parser,
)

from genlab.nn.pixelcnn import pixelcnn


def genlab_run(args: argparse.Namespace, output_dir: Path) -> float:
    return timed_fit(bench_run(args, output_dir, "pixelcnn", args.batches, []), args)


def plain_run(args: argparse.Namespace, data: torch.Tensor) -> float:
    device = device_of(args.device)
    network = pixelcnn(tuple(data.shape[1:]), levels=1).to(device)
    optimiser = torch.optim.Adam(network.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    done = 0
    start = time.perf_counter()
    while done < args.batches:
        for x in loader:
            values = x.to(device).round()
            out = network(values * 2 - 1, None)
            nll = torch.nn.functional.binary_cross_entropy_with_logits(out, values, reduction="none")
            loss = nll.flatten(1).sum(1).mean() / x[0].numel()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            done += 1
            if done == args.batches:
                break
    synchronise(args.device)
    return args.batches * args.batch_size / (time.perf_counter() - start)


def main() -> None:
    args = training_parser(__doc__).parse_args()
    data = digits_images(args.image_size)
    with tempfile.TemporaryDirectory() as tmp:
        best = best_of(args.repeats, lambda: plain_run(args, data), lambda out: genlab_run(args, out), Path(tmp))
    print_ratio(args, best)


if __name__ == "__main__":
    main()
