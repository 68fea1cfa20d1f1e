"""What the training benchmarks share: their command-line options, the digits as one tensor, the
best-of-N alternation of the plain loop and genlab, and device helpers."""

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import torch
from hydra import compose, initialize_config_module

from genlab.run import resolvers
from genlab.run.train import Run, assemble


def training_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--repeats", type=int, default=2)
    return parser


def digits_images(image_size: int) -> torch.Tensor:
    from genlab.data.digits import DigitsDataModule

    resolvers.register()
    digits = DigitsDataModule(name="digits", shape=(1, image_size, image_size), image_size=image_size)
    return digits.load_tensors()[0]


def best_of(repeats: int, plain: Callable[[], float], genlab: Callable[[Path], float], tmp: Path) -> dict[str, float]:
    """images/s of each side, the best of `repeats` runs, alternating so both see the same machine."""
    best = {"genlab": 0.0, "plain": 0.0}
    for repeat in range(repeats):
        torch.manual_seed(repeat)
        best["plain"] = max(best["plain"], plain())
        best["genlab"] = max(best["genlab"], genlab(tmp / str(repeat)))
    return best


def quiet_run(args: argparse.Namespace, output_dir: Path, model: str, steps: int, extra: list[str]) -> Run:
    """A genlab run of `model` on the digits for `steps` optimiser steps, with validation, the
    progress bar, the model summary and loggers off, so its time is the training step's."""
    overrides = [
        f"model={model}",
        f"dataset.image_size={args.image_size}",
        f"dataset.batch_size={args.batch_size}",
        f"trainer.accelerator={args.device}",
        f"trainer.max_steps={steps}",
        "trainer.max_epochs=-1",
        "+trainer.limit_val_batches=0",
        "trainer.enable_progress_bar=false",
        "trainer.enable_model_summary=false",
        "callbacks=minimal",
        "logger=none",
        f"paths.output_dir={output_dir}",
        *extra,
    ]
    with initialize_config_module("genlab.configs", version_base="1.3"):
        return assemble(compose("train", overrides=overrides))


def timed_fit(run: Run, args: argparse.Namespace) -> float:
    """images/s of `run.trainer.fit` over `args.batches` batches."""
    start = time.perf_counter()
    run.trainer.fit(run.model, datamodule=run.datamodule)
    synchronise(args.device)
    return args.batches * args.batch_size / (time.perf_counter() - start)


def device_of(name: str) -> torch.device:
    return torch.device("cuda" if name == "gpu" else "cpu")


def synchronise(device: str) -> None:
    if device == "gpu":
        torch.cuda.synchronize()


def print_ratio(args: argparse.Namespace, best: dict[str, float]) -> None:
    """The settings, both throughputs and genlab's ratio to the plain loop."""
    print(f"device={args.device} image_size={args.image_size} batch_size={args.batch_size} batches={args.batches}")
    print(f"plain PyTorch loop: {best['plain']:.1f} images/s")
    print(f"genlab (Lightning): {best['genlab']:.1f} images/s")
    print(f"ratio genlab/plain: {best['genlab'] / best['plain']:.3f}")
