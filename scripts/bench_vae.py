"""VAE training throughput: genlab (Lightning, automatic optimisation) vs a plain PyTorch loop.

The default `model=vae` (the conv encoder/decoder of genlab.nn.conv, 16-d latent, Bernoulli
decoder, Adam 1e-3) on the embedded digits as one in-memory tensor, both sides in one process,
alternating, best of `--repeats`. Bare by default; `--defaults` runs genlab as a user does
(validation, checkpoints, image grids, progress bar, TensorBoard); with `--interleave`,
`--plain-validates` gives the plain loop one validation step for each of genlab's, so the ratio
counts what genlab adds to a loop that validates as often; `--lightning-floor` puts the plain
loop's own networks and loss in a minimal LightningModule in genlab's place, so the ratio is
Lightning's own cost.

    python scripts/bench_vae.py --batches 200 --image-size 32
    python scripts/bench_vae.py --batches 200 --image-size 32 --defaults
    python scripts/bench_vae.py --batches 1000 --dataset fashion_mnist --interleave --defaults --plain-validates
    python scripts/bench_vae.py --batches 150 --image-size 32 --interleave --lightning-floor

Prints images/s for both and the ratio genlab / plain.
"""

import argparse
from functools import partial
from pathlib import Path

import torch
from bench_common import LightningFloor, Run, Step, bench_run, compare_on_data, descend, device_of, plain_adam

from genlab.nn.conv import conv_pair
from genlab.objectives.kl import gaussian_kl, reparameterise
from genlab.objectives.reconstruction import reconstruction_nll

LATENT = 16


def genlab_run(args: argparse.Namespace, output_dir: Path) -> Run:
    return bench_run(args, output_dir, "vae", args.batches, [])


def plain_vae(args: argparse.Namespace, data: torch.Tensor) -> tuple[torch.nn.Module, torch.nn.Module]:
    encoder, decoder = conv_pair(tuple(data.shape[1:]), 2 * LATENT, LATENT)
    return encoder.to(device_of(args.device)), decoder.to(device_of(args.device))


def negative_elbo(encoder: torch.nn.Module, decoder: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    mu, logvar = encoder(x).chunk(2, dim=1)
    z = reparameterise(mu, logvar, torch.randn_like(mu))
    return (reconstruction_nll(decoder(z), x, "bernoulli") + gaussian_kl(mu, logvar)).mean()


def plain_step(args: argparse.Namespace, data: torch.Tensor) -> Step:
    encoder, decoder = plain_vae(args, data)
    optimiser = plain_adam(args, [*encoder.parameters(), *decoder.parameters()], lr=1e-3)
    return lambda x, index: descend(optimiser, negative_elbo(encoder, decoder, x))


def lightning_floor(args: argparse.Namespace, data: torch.Tensor) -> LightningFloor:
    encoder, decoder = plain_vae(args, data)
    return LightningFloor(
        [encoder, decoder], partial(negative_elbo, encoder, decoder), partial(plain_adam, args, lr=1e-3)
    )


def plain_validation(args: argparse.Namespace, data: torch.Tensor) -> Step:
    """What a hand-written loop's validation would do: the held-out bound and the reconstruction
    error (genlab's also logs PSNR and SSIM)."""
    encoder, decoder = plain_vae(args, data)

    def validate(x: torch.Tensor, index: int) -> None:
        negative_elbo(encoder, decoder, x)
        torch.nn.functional.mse_loss(torch.sigmoid(decoder(encoder(x).chunk(2, dim=1)[0])), x)

    return validate


def main() -> None:
    compare_on_data(__doc__, plain_step, genlab_run, validation=plain_validation, floor=lightning_floor)


if __name__ == "__main__":
    main()
