"""What the training benchmarks share: their command-line options, the digits as one tensor, the
best-of-N alternation of the plain loop and genlab, and device helpers.

Each benchmark measures genlab two ways against the same plain loop: bare (the default: no
validation, checkpoints, images, progress bar or logger, so the ratio is the training step's)
and, with `--defaults`, as a user runs it (the model's own callbacks — checkpoints, image grids,
progress bar — validation every epoch and TensorBoard).

And two ways of sharing the machine: alternating whole runs (the default), or, with
`--interleave`, one plain step after each of genlab's training batches inside the same fit
(`PlainSteps`), so that both sides are timed within milliseconds of each other. This 2-core
machine's speed drifts by up to 25 % over minutes, which alternating whole runs cannot cancel;
interleaving does, at the price of both models sharing the caches."""

import argparse
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_module

from genlab.run import resolvers
from genlab.run.cuda_probe import skip_nvml_without_a_gpu
from genlab.run.train import Run, assemble

# Every side runs as the plain loop would in a process of its own, without Lightning's NVML check
# (genlab's `assemble` drops it too, but only once the first genlab run is built).
skip_nvml_without_a_gpu()

# one plain-loop step: (batch on the device, batch index)
Step = Callable[[torch.Tensor, int], None]


def training_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--precision",
        choices=["32-true", "bf16-mixed"],
        default="32-true",
        help="bf16-mixed: genlab with trainer.precision=bf16-mixed, the plain loop's steps under bf16 autocast",
    )
    parser.add_argument(
        "--dataset",
        choices=["digits", "fashion_mnist"],
        default="digits",
        help="digits: embedded, 25-batch epochs (per-epoch work weighs most); fashion_mnist: a real "
        "dataset's 984-batch epochs, read from --data-dir",
    )
    parser.add_argument(
        "--data-dir", default="../shared/datasets/fashion_mnist", help="the folder of fashion_mnist's four .gz files"
    )
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="time a plain step after each genlab batch in the same fit instead of alternating whole runs",
    )
    parser.add_argument(
        "--defaults",
        action="store_true",
        help="genlab as a user runs it: the model's callbacks, validation, progress bar and TensorBoard",
    )
    parser.add_argument(
        "--plain-fused",
        action="store_true",
        help="the plain loop's Adam runs the fused kernel too, as genlab's optimizer configs ask "
        "(without it, torch's default: what a hand-written loop gets), so the ratio leaves that gain out",
    )
    return parser


def digits_images(image_size: int) -> torch.Tensor:
    from genlab.data.digits import DigitsDataModule

    resolvers.register()
    digits = DigitsDataModule(name="digits", shape=(1, image_size, image_size), image_size=image_size)
    return digits.load_tensors()[0]


def training_images(args: argparse.Namespace) -> torch.Tensor:
    """The images of `--dataset` at `--image-size`, as one tensor (all of them: the plain loop's
    epoch is at least as long as genlab's, whose validation split is held out)."""
    if args.dataset == "digits":
        return digits_images(args.image_size)
    from genlab.data.mnist_like import MnistLikeDataModule

    shape = (1, args.image_size, args.image_size)
    module = MnistLikeDataModule(name=args.dataset, data_dir=args.data_dir, shape=shape, image_size=args.image_size)
    return module.load_tensors()[0]


def best_of_pairs(repeats: int, pair: Callable[[Path], dict[str, float]], tmp: Path) -> dict[str, float]:
    """The best images/s of each side over `repeats` measurements of both, each printed."""
    best = {"genlab": 0.0, "plain": 0.0}
    for repeat in range(repeats):
        torch.manual_seed(repeat)
        measured = pair(tmp / str(repeat))
        ratio = measured["genlab"] / measured["plain"]
        print(
            f"repeat {repeat}: plain {measured['plain']:.1f}, genlab {measured['genlab']:.1f} images/s, "
            f"ratio {ratio:.3f}",
            flush=True,
        )
        best = {side: max(best[side], measured[side]) for side in best}
    return best


class PlainSteps(L.Callback):
    """After each of genlab's training batches, one timed step of the plain loop on its own
    batch (`batches` yields them, fetching and moving included, as in `plain_loop`); with
    `validate`, after each of genlab's validation batches one timed plain validation step too.
    A step takes (batch, index); `tensor_batches` makes the batches of an image tensor."""

    def __init__(self, args: argparse.Namespace, batches: Iterator, step: Callable, validate: Callable | None = None):
        self.args, self.batches, self.step, self.validate = args, batches, step, validate
        self.seconds, self.done = 0.0, 0

    def _timed(self, step: Callable, index: int) -> None:
        synchronise(self.args.device)
        start = time.perf_counter()
        with autocast(self.args):
            step(next(self.batches), index)
        synchronise(self.args.device)
        self.seconds += time.perf_counter() - start

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._timed(self.step, self.done)
        self.done += 1

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        if self.validate is not None and not trainer.sanity_checking:
            with torch.no_grad():
                self._timed(self.validate, batch_idx)


def tensor_batches(args: argparse.Namespace, data: torch.Tensor) -> Iterator[torch.Tensor]:
    """Shuffled batches of `data` on the device, the last partial one dropped, without end."""
    loader = torch.utils.data.DataLoader(data, args.batch_size, shuffle=True, drop_last=True)
    while True:
        for x in loader:
            yield x.to(device_of(args.device))


def interleaved(args: argparse.Namespace, run: Run, plain: PlainSteps) -> dict[str, float]:
    """images/s of both sides from one fit with `plain` steps between genlab's batches: genlab's
    time is the fit's minus the plain steps'."""
    run.trainer.callbacks.append(plain)
    total = args.batches * args.batch_size / timed_fit(run, args)
    assert plain.done == args.batches, f"{plain.done} plain steps for {args.batches} genlab batches"
    images = args.batches * args.batch_size
    return {"plain": images / plain.seconds, "genlab": images / (total - plain.seconds)}


# what a bare run turns off: all but the non-finite guard
BARE = [
    "+trainer.limit_val_batches=0",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
    "callbacks=minimal",
    "callbacks.last_checkpoint=null",
    "+trainer.enable_checkpointing=false",
    "logger=none",
]


def bench_run(args: argparse.Namespace, output_dir: Path, model: str, steps: int, extra: list[str]) -> Run:
    """A genlab run of `model` on the digits for `steps` optimiser steps: bare, or with
    `--defaults` as a user runs it (see the module's docstring)."""
    overrides = [
        f"model={model}",
        # digits: each model's own embedded data (a translation model's are paired digit domains)
        *([] if args.dataset == "digits" else [f"dataset={args.dataset}", f"paths.data_dir={args.data_dir}"]),
        f"dataset.image_size={args.image_size}",
        f"dataset.batch_size={args.batch_size}",
        f"trainer.accelerator={args.device}",
        f"trainer.precision={args.precision}",
        f"trainer.max_steps={steps}",
        "trainer.max_epochs=-1",
        *([] if args.defaults else BARE),
        f"paths.output_dir={output_dir}",
        *extra,
    ]
    with initialize_config_module("genlab.configs", version_base="1.3"):
        return assemble(compose("train", overrides=overrides))


def timed_fit(run: Run, args: argparse.Namespace) -> float:
    """images/s of `run.trainer.fit` over `args.batches` batches. The clock starts with the data
    in memory, as the plain loop's does: reading and resizing Fashion-MNIST's files (1.5 s) is
    the data pipeline's cost (`bench_data.py`), not training's."""
    run.datamodule.setup("fit")
    start = time.perf_counter()
    run.trainer.fit(run.model, datamodule=run.datamodule)
    synchronise(args.device)
    return args.batches * args.batch_size / (time.perf_counter() - start)


def autocast(args: argparse.Namespace) -> torch.autocast:
    """The plain loop's counterpart of genlab's `trainer.precision`: bf16 autocast, or off."""
    return torch.autocast(device_of(args.device).type, dtype=torch.bfloat16, enabled=args.precision == "bf16-mixed")


def plain_loop(args: argparse.Namespace, data: torch.Tensor, step: Step) -> float:
    """images/s of a hand-written loop: `step(batch on the device, batch index)` over
    `args.batches` shuffled batches of `data` (a last partial batch dropped), under `--precision`."""
    device = device_of(args.device)
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    done = 0
    start = time.perf_counter()
    while done < args.batches:
        for x in loader:
            with autocast(args):
                step(x.to(device), done)
            done += 1
            if done == args.batches:
                break
    synchronise(args.device)
    return args.batches * args.batch_size / (time.perf_counter() - start)


def plain_adam(args: argparse.Namespace, params: Iterable[torch.nn.Parameter], **options: object) -> torch.optim.Adam:
    """The plain loop's Adam: torch's default kernel (per tensor on a CPU), or with `--plain-fused`
    the fused one that genlab's configs use."""
    return torch.optim.Adam(params, fused=True if args.plain_fused else None, **options)


def descend(optimiser: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One plain optimiser step on `loss`."""
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()


def compare_on_data(
    description: str,
    plain: Callable[[argparse.Namespace, torch.Tensor], Step],
    genlab: Callable[[argparse.Namespace, Path], Run],
    validation: Callable[[argparse.Namespace, torch.Tensor], Step] | None = None,
    floor: Callable[[argparse.Namespace, torch.Tensor], L.LightningModule] | None = None,
    **defaults: int,
) -> None:
    """A benchmark's main: parse the options (`defaults` overriding the common ones), build both
    sides (`plain` returns a fresh step, `genlab` a fresh run) on `--dataset`, measure them
    alternating or `--interleave`d, best of `--repeats`, and print the ratio. `validation`
    returns a plain validation step, offered as `--plain-validates`; `floor` the plain loop's
    networks and loss as a `LightningFloor`, offered as `--lightning-floor`."""
    parser = training_parser(description)
    if floor is not None:
        parser.add_argument(
            "--lightning-floor",
            action="store_true",
            help="with --interleave, bare: in genlab's place, the plain loop's networks and loss in the smallest "
            "LightningModule, so the ratio is what Lightning itself costs a step",
        )
    if validation is not None:
        parser.add_argument(
            "--plain-validates",
            action="store_true",
            help="with --interleave --defaults: the plain loop validates too, one step for each of genlab's "
            "validation batches, so the ratio leaves out the cost of validating",
        )
    parser.set_defaults(**defaults)
    args = parser.parse_args()
    validates = validation is not None and args.plain_validates
    if validates and not (args.interleave and args.defaults):
        parser.error("--plain-validates needs --interleave and --defaults (a bare run validates nothing)")
    floored = floor is not None and args.lightning_floor
    if floored and (args.defaults or not args.interleave):
        parser.error("--lightning-floor needs --interleave and no --defaults (the floor has no callbacks)")
    data = training_images(args)

    def pair(out: Path) -> dict[str, float]:
        if args.interleave:
            validate = validation(args, data) if validates else None
            plain_steps = PlainSteps(args, tensor_batches(args, data), plain(args, data), validate)
            run = floor_run(args, floor(args, data), data) if floored else genlab(args, out)
            return interleaved(args, run, plain_steps)
        return {"plain": plain_loop(args, data, plain(args, data)), "genlab": timed_fit(genlab(args, out), args)}

    with tempfile.TemporaryDirectory() as tmp:
        best = best_of_pairs(args.repeats, pair, Path(tmp))
    how = (", interleaved" if args.interleave else "") + (", plain validates" if validates else "")
    print_ratio(args, best, how, "Lightning floor" if floored else "genlab (Lightning)")


class LightningFloor(L.LightningModule):
    """The plain loop's networks, loss and optimiser in the smallest LightningModule: what
    Lightning itself costs a training step, with nothing of genlab's (`--lightning-floor`)."""

    def __init__(
        self,
        networks: list[torch.nn.Module],
        loss: Callable[[torch.Tensor], torch.Tensor],
        optimiser: Callable[[Iterator[torch.nn.Parameter]], torch.optim.Optimizer],
    ) -> None:
        super().__init__()
        self.networks = torch.nn.ModuleList(networks)
        self.loss, self.optimiser = loss, optimiser

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        return self.loss(batch)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimiser(self.parameters())


class TensorBatches(L.LightningDataModule):
    """The plain loop's batches for the floor: shuffled, the last partial one dropped."""

    def __init__(self, args: argparse.Namespace, data: torch.Tensor) -> None:
        super().__init__()
        self.data, self.batch_size = data, args.batch_size

    def train_dataloader(self) -> torch.utils.data.DataLoader:
        return torch.utils.data.DataLoader(self.data, self.batch_size, shuffle=True, drop_last=True)


def floor_run(args: argparse.Namespace, module: LightningFloor, data: torch.Tensor) -> Run:
    """`module` under a Trainer as bare as genlab's (`BARE`)."""
    trainer = L.Trainer(
        accelerator=args.device,
        precision=args.precision,
        max_steps=args.batches,
        max_epochs=-1,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    return Run(TensorBatches(args, data), module, trainer, None)


def device_of(name: str) -> torch.device:
    return torch.device("cuda" if name == "gpu" else "cpu")


def synchronise(device: str) -> None:
    if device == "gpu":
        torch.cuda.synchronize()


def print_ratio(
    args: argparse.Namespace, best: dict[str, float], how: str = "", side: str = "genlab (Lightning)"
) -> None:
    """The settings (`how`: how the sides were measured, if not alternating), both throughputs
    and the ratio of `side` (genlab, or the Lightning floor) to the plain loop."""
    mode = "defaults (callbacks, validation, TensorBoard)" if args.defaults else "bare"
    mode += how
    print(
        f"device={args.device} precision={args.precision} dataset={args.dataset} image_size={args.image_size} "
        f"batch_size={args.batch_size} batches={args.batches} genlab={mode}"
    )
    print(f"plain PyTorch loop: {best['plain']:.1f} images/s")
    print(f"{side}: {best['genlab']:.1f} images/s")
    print(f"ratio {side.split()[0]}/plain: {best['genlab'] / best['plain']:.3f}")
