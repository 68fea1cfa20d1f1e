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

from genlab.nn.conv import conv_pair
from genlab.objectives.kl import gaussian_kl, reparameterise
from genlab.objectives.reconstruction import reconstruction_nll

LATENT = 16


def genlab_run(args: argparse.Namespace, output_dir: Path) -> float:
    return timed_fit(bench_run(args, output_dir, "vae", args.batches, []), args)


def plain_run(args: argparse.Namespace, data: torch.Tensor) -> float:
    device = device_of(args.device)
    encoder, decoder = conv_pair(tuple(data.shape[1:]), 2 * LATENT, LATENT)
    encoder, decoder = encoder.to(device), decoder.to(device)
    optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    done = 0
    start = time.perf_counter()
    while done < args.batches:
        for x in loader:
            x = x.to(device)
            mu, logvar = encoder(x).chunk(2, dim=1)
            z = reparameterise(mu, logvar, torch.randn_like(mu))
            loss = (reconstruction_nll(decoder(z), x, "bernoulli") + gaussian_kl(mu, logvar)).mean()
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
