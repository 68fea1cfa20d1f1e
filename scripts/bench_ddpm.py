"""DDPM throughput, each side against its reference, in one process.

- training images/s: genlab's DDPM (Lightning) vs a plain PyTorch loop with the same U-Net,
  schedule, loss, Adam, gradient clipping and EMA update, on the same in-memory digits;
- sampling images/s: genlab's sampler loop vs diffusers' `DDPMPipeline` with the same weights
  and the same scheduler and step count;
- the cost of DDPM-1000 against DDIM-50 and DPM-Solver++-20 in genlab (wall time per image).

    python scripts/bench_ddpm.py --batches 30 --image-size 32 --device cpu
    python scripts/bench_ddpm.py --batches 30 --interleave   # training timed step by step

Validation, checkpoints and image callbacks are off on the genlab side (the ratio is the step
itself). The weights are untrained: speed does not depend on them.
"""

import argparse
import tempfile
import time
from pathlib import Path

import torch
from bench_common import (
    PlainSteps,
    Run,
    Step,
    bench_run,
    best_of_pairs,
    device_of,
    digits_images,
    interleaved,
    plain_adam,
    plain_loop,
    synchronise,
    tensor_batches,
    timed_fit,
    training_parser,
)
from diffusers import DDIMScheduler, DDPMPipeline
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from genlab.diffusion.schedule import NoiseSchedule
from genlab.nn.denoisers import unet


def genlab_model(args: argparse.Namespace, output_dir: Path, batches: int) -> Run:
    return bench_run(args, output_dir, "ddpm", batches, [])


def plain_step(args: argparse.Namespace, data: torch.Tensor) -> Step:
    device = device_of(args.device)
    net = unet(tuple(data.shape[1:])).to(device)
    ema = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(0.999), use_buffers=True)
    schedule = NoiseSchedule()
    alphas = schedule.alphas_cumprod.to(device)
    optimiser = plain_adam(args, net.parameters(), lr=2e-4)

    def step(x: torch.Tensor, index: int) -> None:
        x0 = x * 2 - 1
        t = torch.randint(0, schedule.timesteps, (len(x0),), device=device)
        noise = torch.randn_like(x0)
        a = alphas[t].view(-1, 1, 1, 1)
        loss = torch.nn.functional.mse_loss(net(a.sqrt() * x0 + (1 - a).sqrt() * noise, t), noise)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimiser.step()
        ema.update_parameters(net)

    return step


def training(args: argparse.Namespace, data: torch.Tensor, output_dir: Path) -> dict[str, float]:
    """images/s of both sides' training, alternating whole runs or `--interleave`d."""
    if args.interleave:
        plain = PlainSteps(args, tensor_batches(args, data), plain_step(args, data))
        return interleaved(args, genlab_model(args, output_dir, args.batches), plain)
    return {
        "plain": plain_loop(args, data, plain_step(args, data)),
        "genlab": timed_fit(genlab_model(args, output_dir, args.batches), args),
    }


def sampling(args: argparse.Namespace, output_dir: Path) -> dict[str, float]:
    """images/s of genlab's loop and of diffusers' pipeline, same weights and scheduler."""
    model = genlab_model(args, output_dir, 1).model.to(device_of(args.device)).eval()
    scheduler = DDIMScheduler(**model.schedule.diffusers_config(), clip_sample=False)
    pipeline = DDPMPipeline(unet=model.denoiser().unet, scheduler=scheduler).to(device_of(args.device))
    pipeline.set_progress_bar_config(disable=True)
    model.use_sampler("ddim", 2)
    with torch.no_grad():  # warm-up of both, untimed: the first network calls allocate
        model.sample(args.samples, torch.Generator().manual_seed(0))
    pipeline(batch_size=args.samples, num_inference_steps=2, generator=torch.manual_seed(0), output_type="np")
    rates = {}
    for name, steps in (("ddim", 50), ("dpm", 20), ("ddpm", None)):
        model.use_sampler(name, steps)
        start = time.perf_counter()
        with torch.no_grad():
            model.sample(args.samples, torch.Generator().manual_seed(0))
        synchronise(args.device)
        rates[model.sampler_description()] = args.samples / (time.perf_counter() - start)
    start = time.perf_counter()
    pipeline(batch_size=args.samples, num_inference_steps=50, generator=torch.manual_seed(0), output_type="np")
    synchronise(args.device)
    rates["diffusers DDPMPipeline, ddim-50"] = args.samples / (time.perf_counter() - start)
    return rates


def main() -> None:
    parser = training_parser(__doc__)
    parser.set_defaults(batches=30)
    parser.add_argument("--samples", type=int, default=16)
    args = parser.parse_args()
    data = digits_images(args.image_size)
    with tempfile.TemporaryDirectory() as tmp:
        best = best_of_pairs(args.repeats, lambda out: training(args, data, out), Path(tmp))
        rates = sampling(args, Path(tmp) / "sampling")
    print(f"device={args.device} precision={args.precision} image_size={args.image_size} batch={args.batch_size}")
    print(f"training, plain PyTorch loop: {best['plain']:.1f} images/s")
    print(f"training, genlab (Lightning): {best['genlab']:.1f} images/s")
    print(f"training ratio genlab/plain:  {best['genlab'] / best['plain']:.3f}")
    for name, rate in rates.items():
        print(f"sampling {name:<32} {rate:.2f} images/s")
    ratio = rates["ddim-50"] / rates["diffusers DDPMPipeline, ddim-50"]
    print(f"sampling ratio genlab/diffusers (ddim-50): {ratio:.3f}")


if __name__ == "__main__":
    main()
