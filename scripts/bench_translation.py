"""Translation training throughput: genlab (Lightning, manual optimisation, `model=pix2pix` or
`model=cyclegan` on their embedded digit domains) vs a plain PyTorch loop with the same networks,
losses and optimisers.

- pix2pix: a U-Net G (width 64, down to 1×1) and a 3-layer PatchGAN on (source, target) pairs;
  per batch a D step (non-saturating) and a G step (adversarial + 100·L1).
- CycleGAN: two ResNet Gs (width 64, 6 blocks) and two instance-norm PatchGANs; per batch a D
  step of both Ds (least squares, each through its image pool of 50) and a G step of both Gs
  (adversarial + 10·cycle + 5·identity).

Same in-memory tensors (genlab's own domains), batch size and Adam(2e-4, β=(0.5, 0.999)); one
process, alternating whole runs or `--interleave`d step by step, best of `--repeats`.
Validation, checkpoints, logging and image callbacks are off on the genlab side unless
`--defaults`.

    python scripts/bench_translation.py --model pix2pix --batches 30 --batch-size 16
    python scripts/bench_translation.py --model cyclegan --batches 20 --batch-size 4

Prints images/s for both and the ratio genlab / plain (target ≥ 0.95).
"""

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from bench_common import (
    PlainSteps,
    Run,
    autocast,
    bench_run,
    best_of_pairs,
    device_of,
    digits_images,
    interleaved,
    plain_adam,
    print_ratio,
    synchronise,
    timed_fit,
    training_parser,
)
from torch import Tensor, nn

from genlab.data.domains import CannyEdges, Inverted
from genlab.models.adversarial.pool import ImagePool
from genlab.nn.translation import PatchDiscriminator, ResNetGenerator, UNetGenerator

ADAM = {"lr": 2e-4, "betas": (0.5, 0.999)}


def genlab_run(args, output_dir: Path) -> Run:
    # CycleGAN: as many training batches as the embedded halves allow; two optimiser steps a batch
    extra = ["dataset.val_fraction=0.01"] if args.model == "cyclegan" else []
    return bench_run(args, output_dir, args.model, 2 * args.batches, extra)


def batches(pairs: tuple[Tensor, Tensor], args) -> Callable[[], list[tuple[Tensor, Tensor]]]:
    """A loader of (target, source) pairs in model space on the device, shuffled, dropping the last."""
    dataset = torch.utils.data.TensorDataset(*pairs)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, drop_last=True)
    device = device_of(args.device)
    return lambda: ((t.to(device) * 2 - 1, s.to(device) * 2 - 1) for t, s in loader)


def forever(loader: Callable[[], Iterator]) -> Iterator:
    while True:
        yield from loader()


def pix2pix_step(nets: dict[str, nn.Module], opts, target: Tensor, source: Tensor) -> None:
    g, d = nets["g"], nets["d"]
    with torch.no_grad():
        fake = g(source)
    d_loss = F.softplus(-d(torch.cat([source, target], 1))).mean() + F.softplus(d(torch.cat([source, fake], 1))).mean()
    opts["d"].zero_grad()
    d_loss.backward()
    opts["d"].step()
    fake = g(source)
    g_loss = F.softplus(-d(torch.cat([source, fake], 1))).mean() + 100 * (fake - target).abs().mean() / 2
    opts["g"].zero_grad()
    g_loss.backward()
    opts["g"].step()


def cyclegan_step(nets: dict[str, nn.Module], opts, b: Tensor, a: Tensor) -> None:
    g_ab, g_ba, d_a, d_b = nets["g_ab"], nets["g_ba"], nets["d_a"], nets["d_b"]
    with torch.no_grad():
        fake_b, fake_a = g_ab(a), g_ba(b)
    fake_b, fake_a = nets["pool_b"].query(fake_b), nets["pool_a"].query(fake_a)
    d_loss = sum(
        (d(real) - 1).square().mean() + d(fake).square().mean()
        for d, real, fake in ((d_b, b, fake_b), (d_a, a, fake_a))
    )
    opts["d"].zero_grad()
    d_loss.backward()
    opts["d"].step()
    fake_b, fake_a = g_ab(a), g_ba(b)
    adversarial = (d_b(fake_b) - 1).square().mean() + (d_a(fake_a) - 1).square().mean()
    cycle = F.l1_loss(g_ba(fake_b), a) + F.l1_loss(g_ab(fake_a), b)
    identity = F.l1_loss(g_ab(b), b) + F.l1_loss(g_ba(a), a)
    g_loss = adversarial + 10 * cycle + 5 * identity
    opts["g"].zero_grad()
    g_loss.backward()
    opts["g"].step()


def setup(args) -> tuple[dict[str, nn.Module], dict, Callable, tuple[Tensor, Tensor]]:
    """The networks, optimisers, step and data of `args.model`, as genlab's configs build them."""
    digits, side = digits_images(args.image_size), args.image_size
    if args.model == "pix2pix":
        nets = {"g": UNetGenerator(1, 1, side), "d": PatchDiscriminator(2, side)}
        return nets, {"g": ["g"], "d": ["d"]}, pix2pix_step, (digits, CannyEdges()(digits))
    half = len(digits) // 2
    nets = {
        "g_ab": ResNetGenerator(1, 1, side, blocks=6),
        "g_ba": ResNetGenerator(1, 1, side, blocks=6),
        "d_a": PatchDiscriminator(1, side, norm="instance"),
        "d_b": PatchDiscriminator(1, side, norm="instance"),
        "pool_a": ImagePool(50, (1, side, side)),
        "pool_b": ImagePool(50, (1, side, side)),
    }
    domains = (Inverted()(digits[half : 2 * half]), digits[:half])  # (B, A): disjoint halves
    return nets, {"g": ["g_ab", "g_ba"], "d": ["d_a", "d_b"]}, cyclegan_step, domains


def plain_parts(args) -> tuple[Callable[[tuple[Tensor, Tensor], int], None], Callable[[], Iterator]]:
    """The plain loop's step on a (target, source) batch, and its loader."""
    device = device_of(args.device)
    nets, players, step, pairs = setup(args)
    nets = {key: net.to(device) for key, net in nets.items()}
    opts = {
        player: plain_adam(args, [p for key in keys for p in nets[key].parameters()], **ADAM)
        for player, keys in players.items()
    }
    return (lambda batch, index: step(nets, opts, *batch)), batches(pairs, args)


def plain_run(args) -> float:
    step, loader = plain_parts(args)
    done = 0
    start = time.perf_counter()
    while done < args.batches:
        for batch in loader():
            with autocast(args):
                step(batch, done)
            done += 1
            if done == args.batches:
                break
    synchronise(args.device)
    return args.batches * args.batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = training_parser(__doc__)
    parser.add_argument("--model", choices=["pix2pix", "cyclegan"], default="pix2pix")
    parser.set_defaults(batches=30, batch_size=16)
    args = parser.parse_args()

    def pair(out: Path) -> dict[str, float]:
        if args.interleave:
            step, loader = plain_parts(args)
            return interleaved(args, genlab_run(args, out), PlainSteps(args, forever(loader), step))
        return {"plain": plain_run(args), "genlab": timed_fit(genlab_run(args, out), args)}

    with tempfile.TemporaryDirectory() as tmp:
        best = best_of_pairs(args.repeats, pair, Path(tmp))
    print(f"model={args.model}")
    print_ratio(args, best, ", interleaved" if args.interleave else "")


if __name__ == "__main__":
    main()
