"""Data-loader throughput against what a model consumes: does the input pipeline keep up?

Iterates genlab's training loaders alone (no model) for `--batches` batches, with the batch-wise
augmentation step the trainer applies: the embedded digits (one in-memory tensor) and an image
folder of PNGs written from the digits (decoded, resized and cropped per image by PIL, the path
real datasets take) with 0 and `--workers` loader processes. Compare the images/s with the
training throughputs of scripts/bench_*.py on the same machine.

    python scripts/bench_data.py --batches 100 --image-size 32 --workers 1
"""

import argparse
import tempfile
import time
from pathlib import Path

from bench_common import digits_images
from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from PIL import Image

from genlab.run import resolvers


def loader_images_per_second(overrides: list[str], batches: int) -> float:
    with initialize_config_module("genlab.configs", version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    data = instantiate(cfg.dataset)
    data.prepare_data()
    data.setup("fit")
    loader = data.train_dataloader()
    seen, start = 0, None
    while seen < batches:
        for batch in loader:
            if start is None:  # worker start-up is paid once per run, not per batch
                start = time.perf_counter()
                continue
            images = data.on_after_batch_transfer(batch, 0)[0]
            seen += 1
            if seen == batches:
                break
    return batches * len(images) / (time.perf_counter() - start)


def write_folder(folder: Path, image_size: int, count: int) -> None:
    images = digits_images(image_size)[:count]
    for i, image in enumerate(images):
        Image.fromarray((image[0] * 255).byte().numpy(), mode="L").convert("RGB").save(folder / f"{i:05d}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    resolvers.register()
    size = [f"dataset.image_size={args.image_size}", f"dataset.batch_size={args.batch_size}"]
    rows = [("digits (in-memory tensor)", loader_images_per_second(["dataset=digits", *size], args.batches))]
    with tempfile.TemporaryDirectory() as tmp:
        write_folder(Path(tmp), args.image_size, 1797)
        folder = ["dataset=image_folder", f"dataset.root={tmp}", *size]
        for workers in sorted({0, args.workers}):
            speed = loader_images_per_second([*folder, f"dataset.num_workers={workers}"], args.batches)
            rows.append((f"image_folder of PNGs, {workers} worker(s)", speed))
    print(f"image_size={args.image_size} batch_size={args.batch_size} batches={args.batches}")
    for name, speed in rows:
        print(f"{name}: {speed:.0f} images/s")


if __name__ == "__main__":
    main()
