"""VAE training throughput: genlab (Lightning, automatic optimisation) vs a plain PyTorch loop.

The default `model=vae` (the conv encoder/decoder of genlab.nn.conv, 16-d latent, Bernoulli
decoder, Adam 1e-3) on the embedded digits as one in-memory tensor, both sides in one process,
alternating, best of `--repeats`. Bare by default; `--defaults` runs genlab as a user does
(validation, checkpoints, image grids, progress bar, TensorBoard).

    python scripts/bench_vae.py --batches 200 --image-size 32
    python scripts/bench_vae.py --batches 200 --image-size 32 --defaults

Prints images/s for both and the ratio genlab / plain.
"""

import argparse
from pathlib import Path

import torch
from bench_common import Run, Step, bench_run, compare_on_data, descend, device_of

from genlab.nn.conv import conv_pair
from genlab.objectives.kl import gaussian_kl, reparameterise
from genlab.objectives.reconstruction import reconstruction_nll

LATENT = 16


def genlab_run(args: argparse.Namespace, output_dir: Path) -> Run:
    return bench_run(args, output_dir, "vae", args.batches, [])


def plain_step(args: argparse.Namespace, data: torch.Tensor) -> Step:
    device = device_of(args.device)
    encoder, decoder = conv_pair(tuple(data.shape[1:]), 2 * LATENT, LATENT)
    encoder, decoder = encoder.to(device), decoder.to(device)
    optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)

    def step(x: torch.Tensor, index: int) -> None:
        mu, logvar = encoder(x).chunk(2, dim=1)
        z = reparameterise(mu, logvar, torch.randn_like(mu))
        loss = (reconstruction_nll(decoder(z), x, "bernoulli") + gaussian_kl(mu, logvar)).mean()
        descend(optimiser, loss)

    return step


def main() -> None:
    compare_on_data(__doc__, plain_step, genlab_run)


if __name__ == "__main__":
    main()
