"""StyleGAN2 training throughput: genlab (Lightning, manual optimisation, `experiment=stylegan2_digits`)
vs a plain PyTorch loop with the same networks and the same regularisation schedule.

Both sides per batch: a D step (non-saturating loss; R1 on reals every 16 D steps, scaled by 16)
and a G step (style mixing with probability 0.9; path length every 4 G steps on half the batch,
scaled by 4; w̄ tracking; EMA of G). Same in-memory digits, batch size and optimiser (Adam 2e-3,
betas (0, 0.99)); one process, alternating, best of `--repeats`. Validation, checkpoints,
logging and image callbacks are off on the genlab side.

    python scripts/bench_stylegan2.py --batches 60 --image-size 32 --batch-size 32 --device cpu

Prints images/s for both and the ratio genlab / plain (target ≥ 0.95).
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from bench_common import Run, Step, bench_run, compare_on_data, descend, device_of, plain_adam
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from genlab.nn.residual_discriminator import ResidualDiscriminator
from genlab.nn.style import MappingNetwork
from genlab.nn.synthesis import SkipSynthesis, StyleGenerator
from genlab.objectives.discriminator_penalties import r1_penalty
from genlab.objectives.path_length import path_lengths

LATENT, R1_GAMMA, R1_EVERY, PL_WEIGHT, PL_EVERY, MIXING = 64, 0.05, 16, 2.0, 4, 0.9


def genlab_run(args, output_dir: Path) -> Run:
    return bench_run(args, output_dir, "stylegan2", 2 * args.batches, ["experiment=stylegan2_digits"])


def styles(g: StyleGenerator, n: int, device) -> torch.Tensor:
    """Mapped codes for every layer, switching to a second code at a random layer for 90 % of them."""
    w = g.mapping(torch.randn(n, LATENT, device=device))
    other = g.mapping(torch.randn(n, LATENT, device=device))
    cut = torch.randint(1, g.num_ws, (n,), device=device)
    cut = torch.where(torch.rand(n, device=device) < MIXING, cut, g.num_ws)
    layer = torch.arange(g.num_ws, device=device)[None, :, None]
    return torch.where(layer < cut[:, None, None], w[:, None], other[:, None])


def plain_step(args, data: torch.Tensor) -> Step:
    device = device_of(args.device)
    shape = tuple(data.shape[1:])
    g = StyleGenerator(MappingNetwork(LATENT, 64, 4), SkipSynthesis(shape, 64, 1024, 64), 64).to(device)
    d = ResidualDiscriminator(shape, channel_base=1024, channel_max=64).to(device)
    ema = AveragedModel(g, multi_avg_fn=get_ema_multi_avg_fn(0.998), use_buffers=True)
    opt_g = plain_adam(args, g.parameters(), lr=2e-3, betas=(0.0, 0.99), eps=1e-8)
    opt_d = plain_adam(args, d.parameters(), lr=2e-3, betas=(0.0, 0.99), eps=1e-8)
    pl_mean = torch.zeros((), device=device)

    def step(x: torch.Tensor, index: int) -> None:
        nonlocal pl_mean
        real = x * 2 - 1
        with torch.no_grad():
            fake = g.synthesis(styles(g, len(real), device), "random")
        d_loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        if index % R1_EVERY == 0:
            d_loss = d_loss + R1_GAMMA * R1_EVERY * 0.5 * r1_penalty(d, real)
        descend(opt_d, d_loss)
        ws = styles(g, len(real), device)
        g.track_mean(ws[:, 0])
        g_loss = F.softplus(-d(g.synthesis(ws, "random"))).mean()
        if index % PL_EVERY == 0:
            ws = styles(g, len(real) // 2, device)
            lengths = path_lengths(g.synthesis(ws, "random"), ws)
            pl_mean = pl_mean.lerp(lengths.detach().mean(), 0.01)
            g_loss = g_loss + PL_WEIGHT * PL_EVERY * (lengths - pl_mean).square().mean()
        descend(opt_g, g_loss)
        ema.update_parameters(g)

    return step


def main() -> None:
    compare_on_data(__doc__, plain_step, genlab_run, batches=60, batch_size=32)


if __name__ == "__main__":
    main()
