"""PixelCNN sampling: genlab's windowed loop against the cache-free loop that runs the network
on the whole image for every pixel, in one process, with the same weights and the same seed.

    python scripts/bench_pixelcnn.py --image-size 28 --samples 16 --device cpu

genlab runs each pass on the `rows_seen` rows that can reach the current row (exact: the other
rows cannot change its prediction); the reference is the textbook loop. Both draw from the same
predictions, so the script also reports whether their samples agree. The weights are untrained:
speed does not depend on them.
"""

import argparse
import time

import torch
from bench_common import device_of, synchronise

from genlab.models.pixelcnn import PixelCNN
from genlab.nn.pixelcnn import gated_pixelcnn, pixelcnn


@torch.no_grad()
def full_image_sample(model: PixelCNN, n: int, generator: torch.Generator) -> torch.Tensor:
    """The cache-free reference: every pass sees the whole (partly drawn) image."""
    channels, height, width = model.data_shape
    values = torch.zeros(n, channels, height, width, dtype=torch.long, device=model.device)
    for row in range(height):
        for column in range(width):
            for channel in range(channels):
                out = model.network(model.network_input(values))
                values[:, channel, row, column] = model.draw_pixel(out, channel, row, column, generator)
    return values.float() / (model.levels - 1)


def timed(draw) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    images = draw()
    return time.perf_counter() - start, images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    args = parser.parse_args()
    device = device_of(args.device)
    shape = (1, args.image_size, args.image_size)
    print(f"device={args.device} image_size={args.image_size} samples={args.samples} (binarised, default widths)")
    for name, factory in (("pixelcnn", pixelcnn), ("gated_pixelcnn", gated_pixelcnn)):
        torch.manual_seed(0)
        model = PixelCNN(name, shape, factory, levels=2).to(device).eval()
        seconds_full, full = timed(lambda m=model: full_image_sample(m, args.samples, torch.Generator().manual_seed(0)))
        synchronise(args.device)
        seconds_window, window = timed(lambda m=model: m.sample(args.samples, torch.Generator().manual_seed(0)))
        synchronise(args.device)
        agree = (full == window).float().mean().item()
        rows = model.network.rows_seen + 1
        print(
            f"{name:<15} full image {args.samples / seconds_full:6.2f} images/s, window of {rows} rows "
            f"{args.samples / seconds_window:6.2f} images/s, speed-up {seconds_full / seconds_window:.2f}×, "
            f"pixels agreeing {agree:.4%}"
        )


if __name__ == "__main__":
    main()
