"""FID throughput (feature extraction + statistics): genlab vs torch-fidelity, same extractor,
same images, one process.

Both sides use the FID Inception-v3 architecture with the *same* weights file. Offline (no
download possible) the script writes untrained weights for that architecture and uses them on
both sides: throughput does not depend on the weights' values, but the FID values are then
meaningless (near 0: untrained features barely vary). Pass --weights for the real file.

    python scripts/bench_fid.py --n 400 --device cpu     # from the repository root

Prints images/s for both, the ratio genlab / torch-fidelity, and both FID values (genlab with
resize=legacy, torch-fidelity's own resizing: they should agree closely).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch_fidelity
from torch.utils.data import Dataset

from genlab.data.digits import DigitsDataModule
from genlab.metrics.extractors import inception_extractor
from genlab.metrics.scores import Scores


class Uint8Images(Dataset):
    """torch-fidelity's input format: uint8 (3, H, W) tensors."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = (images.expand(-1, 3, -1, -1) * 255).round().to(torch.uint8)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i]


def untrained_weights(path: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ helpers
    from tests.inception import untrained_inception_weights

    return untrained_inception_weights(path)


def genlab_fid(real: torch.Tensor, fake: torch.Tensor, weights: Path, device: str, batch_size: int) -> float:
    # a speed benchmark: the untrained stand-in times the same as the published file
    extractor = inception_extractor(resize="legacy", weights=str(weights), verify=False)
    scores = Scores(["fid"], extractor.num_features, num_classes=0)
    with torch.no_grad():
        for images, update in ((real, scores.update_real), (fake, None)):
            for batch in images.split(batch_size):
                features = extractor.features(batch.to(device)).cpu()
                update(features) if update else scores.update_fake(features, features)
    return scores.compute()["fid"][0]


def fidelity_fid(real: torch.Tensor, fake: torch.Tensor, weights: Path, device: str, batch_size: int) -> float:
    result = torch_fidelity.calculate_metrics(
        input1=Uint8Images(fake),
        input2=Uint8Images(real),
        fid=True,
        cuda=device == "cuda",
        batch_size=batch_size,
        feature_extractor_weights_path=str(weights),
        cache=False,
        verbose=False,
    )
    return float(result["frechet_inception_distance"])


def timed(fn, *args) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400, help="images per side (real and 'generated')")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--weights", type=Path, help="the real weights file (default: random weights, offline)")
    args = parser.parse_args()

    dm = DigitsDataModule(name="digits", shape=(1, 32, 32), image_size=32, seed=0, val_fraction=0.5)
    dm.setup()
    real = torch.stack([dm.train_set[i][0] for i in range(args.n)])
    fake = torch.stack([dm.val_set[i][0] for i in range(args.n)])
    with tempfile.TemporaryDirectory() as tmp:
        weights = args.weights or untrained_weights(Path(tmp) / "inception-untrained.pth")
        genlab_fid(real[:2], fake[:2], weights, args.device, args.batch_size)  # warm-up
        ours, ours_s = timed(genlab_fid, real, fake, weights, args.device, args.batch_size)
        theirs, theirs_s = timed(fidelity_fid, real, fake, weights, args.device, args.batch_size)
    images = 2 * args.n
    print(f"weights: {'given' if args.weights else 'untrained (offline): throughput only, FID values meaningless'}")
    print(f"genlab         {images / ours_s:8.1f} images/s   FID {ours:.4f}")
    print(f"torch-fidelity {images / theirs_s:8.1f} images/s   FID {theirs:.4f}")
    print(f"ratio genlab / torch-fidelity: {theirs_s / ours_s:.2f}")


if __name__ == "__main__":
    main()
