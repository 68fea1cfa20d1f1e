"""The lecture's contrast, measured: PixelRNN (Row LSTM, Diagonal BiLSTM) against PixelCNN (plain,
gated) at equal size — width 32 and 6 layers (blocks) each — on the binarised 16-px digits.

    python scripts/compare_autoregressive.py --minutes 3 --figures docs/figures/pixelrnn

For each network, in one process, one after the other (run it alone: timings share the cores):

- training speed: images a second over timed Adam steps on a batch of 64 (after two warm-up steps);
- NLL at equal wall-clock: `genlab train model=NAME dataset.image_size=16 ++trainer.max_time=…`,
  the final `val/nll` (nats per image) and `val/bits_per_dim` of its summary.json;
- sampling: seconds to draw 16 images with that run's model (`model.sample`, one network pass per
  pixel on the rows that reach it: a PixelCNN's few rows, a PixelRNN's whole image above).

Prints a markdown table and writes compare.json, a 16-sample grid per network and
receptive_fields.png (which inputs reach the prediction of pixel (8, 6), untrained networks of
width 8 and 4 layers: seen grey, unseen past black) to --figures.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import torch
from torchvision.utils import save_image

from genlab.analysis.receptive_field import context_picture, seen_inputs
from genlab.checkpoint import read_checkpoint, rebuild_model
from genlab.models.pixelcnn import PixelCNN
from genlab.nn.pixelcnn import gated_pixelcnn, pixelcnn
from genlab.nn.pixelrnn import diagonal_bilstm, row_lstm

NETWORKS = {
    "pixelcnn": pixelcnn,
    "gated_pixelcnn": gated_pixelcnn,
    "row_lstm": row_lstm,
    "diagonal_bilstm": diagonal_bilstm,
}
LAYERS = {pixelcnn: "blocks", gated_pixelcnn: "layers", row_lstm: "layers", diagonal_bilstm: "layers"}
SIZE, BATCH, SAMPLES = 16, 64, 16


def receptive_fields(figure: Path) -> None:
    row, column = 8, 6
    pictures = []
    for factory in NETWORKS.values():
        torch.manual_seed(0)
        network = factory((1, SIZE, SIZE), levels=1, width=8, **{LAYERS[factory]: 4})
        seen = seen_inputs(network, (1, SIZE, SIZE), row, column)
        pictures.append(context_picture(seen, row, column))
    big = torch.nn.functional.interpolate(torch.stack(pictures), scale_factor=8, mode="nearest")
    save_image(big, figure, nrow=len(pictures), padding=8, pad_value=1.0)


def training_speed(name: str, steps: int) -> tuple[float, int]:
    """(images a second, parameters) of Adam steps on random binary images."""
    torch.manual_seed(0)
    model = PixelCNN(name, (1, SIZE, SIZE), NETWORKS[name], levels=2)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = (torch.rand(BATCH, 1, SIZE, SIZE) > 0.8).float()

    def step() -> None:
        optimiser.zero_grad()
        model.conditional_nll(x, None).mean().backward()
        optimiser.step()

    for _ in range(2):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * BATCH / (time.perf_counter() - start), sum(p.numel() for p in model.parameters())


def train(name: str, minutes: int, run: Path) -> dict:
    command = ["genlab", "train", f"model={name}", f"dataset.image_size={SIZE}", "trainer.max_epochs=10000"]
    command += [f"++trainer.max_time=00:00:{minutes:02d}:00"]
    extra = ["logger=none", f"hydra.run.dir={run}"]
    subprocess.run([*command, *extra], check=True, stdout=subprocess.DEVNULL, env=dict(os.environ))
    summary = json.loads((run / "summary.json").read_text())
    return {"command": " ".join(command), "steps": summary["step"], **summary["final"]}


def sampling_seconds(run: Path, figure: Path) -> float:
    model = rebuild_model(read_checkpoint(run / "checkpoints" / "last.ckpt")).eval()
    start = time.perf_counter()
    images = model.sample(SAMPLES, torch.Generator().manual_seed(0))
    seconds = time.perf_counter() - start
    save_image(images, figure, nrow=8, padding=2, pad_value=1.0)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=3, help="wall-clock training budget per network")
    parser.add_argument("--steps", type=int, default=5, help="timed training steps per network")
    parser.add_argument("--figures", type=Path, default=Path("docs/figures/pixelrnn"))
    args = parser.parse_args()
    args.figures.mkdir(parents=True, exist_ok=True)
    receptive_fields(args.figures / "receptive_fields.png")
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in NETWORKS:
            speed, parameters = training_speed(name, args.steps)
            run = Path(scratch) / name
            trained = train(name, args.minutes, run)
            seconds = sampling_seconds(run, args.figures / f"samples_{name}.png")
            results[name] = {
                "parameters": parameters,
                "train_images_per_s": speed,
                "sample_seconds": seconds,
                **trained,
            }
            print(f"{name}: {results[name]}", flush=True)
    threads = torch.get_num_threads()
    (args.figures / "compare.json").write_text(json.dumps({"threads": threads, "networks": results}, indent=2))
    print(
        f"\n| network | parameters | training images/s | val NLL after {args.minutes} min (nats) | bits/dim | "
        f"steps in {args.minutes} min | {SAMPLES} samples (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['parameters']:,} | {r['train_images_per_s']:.0f} | {r['val/nll']:.1f} | "
            f"{r['val/bits_per_dim']:.3f} | {r['steps']} | {r['sample_seconds']:.1f} |"
        )


if __name__ == "__main__":
    main()
