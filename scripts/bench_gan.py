"""DCGAN training throughput: genlab (Lightning, manual optimisation) vs a plain PyTorch loop.

Same networks (genlab.nn.gan), batch size, optimiser, objective and in-memory data, measured in
one process, alternating, best of `--repeats`. Validation, checkpoints, logging and image
callbacks are off on the genlab side so that the ratio measures the training step itself.

    python scripts/bench_gan.py --batches 100 --image-size 32 --device cpu

Prints images/s for both and the ratio genlab / plain (target ≥ 0.95).
"""

import argparse
from pathlib import Path

import torch
from bench_common import Run, Step, bench_run, compare_on_data, descend, device_of, plain_adam

from genlab.nn.gan import dcgan_discriminator, dcgan_generator
from genlab.objectives.adversarial import OBJECTIVES


def genlab_run(args: argparse.Namespace, output_dir: Path) -> Run:
    # manual optimisation counts a D and a G step per batch
    return bench_run(args, output_dir, "dcgan", 2 * args.batches, [])


def plain_step(args: argparse.Namespace, data: torch.Tensor) -> Step:
    device = device_of(args.device)
    shape = tuple(data.shape[1:])
    g, d = dcgan_generator(shape, 100).to(device), dcgan_discriminator(shape).to(device)
    opt_g = plain_adam(args, g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = plain_adam(args, d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    objective = OBJECTIVES["non_saturating"]

    def step(x: torch.Tensor, index: int) -> None:
        real = x * 2 - 1
        fake = g(torch.randn(len(real), 100, device=device)).detach()
        d_loss = objective.discriminator(d(real), d(fake))
        descend(opt_d, d_loss)
        g_loss = objective.generator(None, d(g(torch.randn(len(real), 100, device=device))))
        descend(opt_g, g_loss)

    return step


def main() -> None:
    compare_on_data(__doc__, plain_step, genlab_run)


if __name__ == "__main__":
    main()
