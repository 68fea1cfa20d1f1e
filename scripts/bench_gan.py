"""DCGAN training throughput: genlab (Lightning, manual optimisation) vs a plain PyTorch loop.

Same networks (genlab.nn.gan), batch size, optimiser, objective and in-memory data, measured in
one process, alternating, best of `--repeats`. Validation, checkpoints, logging and image
callbacks are off on the genlab side so that the ratio measures the training step itself.

    python scripts/bench_gan.py --batches 100 --image-size 32 --device cpu

Prints images/s for both and the ratio genlab / plain (target ≥ 0.95).
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

from genlab.nn.gan import dcgan_discriminator, dcgan_generator
from genlab.objectives.adversarial import OBJECTIVES


def genlab_run(args: argparse.Namespace, output_dir: Path) -> float:
    # manual optimisation counts a D and a G step per batch
    return timed_fit(bench_run(args, output_dir, "dcgan", 2 * args.batches, []), args)


def plain_run(args: argparse.Namespace, data: torch.Tensor) -> float:
    device = device_of(args.device)
    shape = tuple(data.shape[1:])
    g, d = dcgan_generator(shape, 100).to(device), dcgan_discriminator(shape).to(device)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    objective = OBJECTIVES["non_saturating"]
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    done = 0
    start = time.perf_counter()
    while done < args.batches:
        for x in loader:
            real = x.to(device) * 2 - 1
            fake = g(torch.randn(len(real), 100, device=device)).detach()
            d_loss = objective.discriminator(d(real), d(fake))
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = objective.generator(None, d(g(torch.randn(len(real), 100, device=device))))
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
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
