"""Download a real dataset into the layout genlab reads (needs network).

    python scripts/download_data.py mnist --data-dir data
    python scripts/download_data.py fashion_mnist --data-dir data
    python scripts/download_data.py cifar10 --data-dir data
    python scripts/download_data.py celeba --data-dir data   # Google Drive; often rate-limited

Afterwards train with `genlab train dataset=<name> paths.data_dir=<data-dir>` (or set
GENLAB_DATA_DIR). Without network this fails with one line saying so; copying the official files
into the same folders by hand works just as well (see README, "Real datasets").
"""

import argparse
import sys
from pathlib import Path

from torchvision import datasets

from genlab.data.mnist_like import download as download_mnist_like


def download_cifar10(data_dir: Path) -> None:
    for train in (True, False):
        datasets.CIFAR10(str(data_dir), train=train, download=True)


def download_celeba(data_dir: Path) -> None:
    # torchvision puts the aligned crops in <data_dir>/celeba/img_align_celeba, as genlab expects
    datasets.CelebA(str(data_dir), split="all", target_type="attr", download=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=["mnist", "fashion_mnist", "cifar10", "celeba"])
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="genlab's paths.data_dir")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        if args.dataset in ("mnist", "fashion_mnist"):
            download_mnist_like(args.dataset, args.data_dir)
        elif args.dataset == "cifar10":
            download_cifar10(args.data_dir)
        else:
            download_celeba(args.data_dir)
    except Exception as exc:
        print(f"download_data: could not fetch {args.dataset} into {args.data_dir.resolve()}: {exc}", file=sys.stderr)
        return 2
    print(f"{args.dataset} is in {args.data_dir.resolve()}; train with paths.data_dir={args.data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
