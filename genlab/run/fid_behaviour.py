"""`genlab eval ckpt=RUN/last.ckpt metrics=[fid_behaviour]`: how FID behaves on the checkpoint's
dataset, in the protocol's feature space (`classifier=` for the domain classifier, else Inception),
before trusting it to rank models.

The training split's first `fid_behaviour.images` images are cut in two halves. The first half is
the reference; the second half plays the generator, so its FID is the floor a perfect generator
would score:

- *bias with n*: the FID of the first m images of the second half, for m in `fid_behaviour.sizes`
  (FID is biased upwards for few samples, roughly as 1/m: compare models only at equal n);
- *noise* and *blur*: the FID of the whole second half with Gaussian noise of σ in
  `fid_behaviour.noise`, and blurred with σ pixels in `fid_behaviour.blur` (FID's paper's
  disturbances: the score must rise with their strength).

The model's weights play no part (any checkpoint of the dataset serves, a classifier's too).
One JSON with a protocol card, and a figure of the three curves.
"""

import itertools
import json
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import torch
from omegaconf import DictConfig
from torch import Tensor

from genlab.analysis.distortions import add_noise, blur, fid_curves_figure
from genlab.checkpoint import derived_path, rebuild_datamodule
from genlab.data.base import first_examples
from genlab.errors import GenlabError
from genlab.metrics.evaluation import EvaluationProtocol, protocol_card
from genlab.metrics.extractors import Extractor
from genlab.metrics.scores import Scores


@torch.no_grad()
def features(images: Tensor, extractor: Extractor, batch_size: int, device: torch.device) -> Tensor:
    return torch.cat([extractor.features(batch.to(device)).double().cpu() for batch in images.split(batch_size)])


def frechet_distance(reference: Tensor, other: Tensor, num_features: int) -> float:
    scores = Scores(["fid"], num_features, num_classes=0)
    scores.update_real(reference)
    scores.update_fake(other, other)
    return scores.compute()["fid"][0]


def rises(values: list[float]) -> bool:
    return all(later > earlier for earlier, later in itertools.pairwise(values))


def fid_behaviour_report(model, checkpoint: dict, ckpt: Path, cfg: DictConfig, device: torch.device) -> Path:
    settings = cfg.fid_behaviour
    sizes = [int(m) for m in settings.sizes]
    datamodule = rebuild_datamodule(checkpoint)
    protocol = EvaluationProtocol.from_config(cfg)
    shape = model.data_shape
    extractor = protocol.build_extractor(datamodule.name, shape, cfg.trust_config)
    for key in ("sizes", "noise", "blur"):
        if not settings[key]:
            raise GenlabError(f"fid_behaviour.{key}=[]: give at least one value (eval.yaml lists the defaults)")
    images = first_examples(datamodule.train_set, int(settings.images))  # a large dataset is not read whole
    half = len(images) // 2
    if max(sizes) > half:
        raise GenlabError(
            f"fid_behaviour.sizes={sizes}: each size must be at most {half}, half of the {len(images)} training images "
            "read (fid_behaviour.images)"
        )
    protocol.settle(["fid"], half, min(sizes), extractor)  # refuses sizes below the feature dimension
    extractor.net.to(device)
    reference = features(images[:half], extractor, protocol.batch_size, device)
    others = images[half : 2 * half]
    undisturbed = features(others, extractor, protocol.batch_size, device)  # read once: the sizes and strength 0
    noise_generator = torch.Generator().manual_seed(cfg.seed)

    def fid_of(other: Tensor) -> float:
        return frechet_distance(reference, other, extractor.num_features)

    def disturbed(distort: Callable[[Tensor], Tensor], strength: float) -> Tensor:
        images = distort(others)  # noise is drawn at σ = 0 too, so each level's draw is fixed by its place
        return undisturbed if strength == 0 else features(images, extractor, protocol.batch_size, device)

    curves = {
        "sizes": [fid_of(undisturbed[:m]) for m in sizes],
        "noise": [fid_of(disturbed(lambda x, s=float(s): add_noise(x, s, noise_generator), s)) for s in settings.noise],
        "blur": [fid_of(disturbed(lambda x, s=float(s): blur(x, s), s)) for s in settings.blur],
    }
    strengths = {"sizes": sizes, "noise": [float(s) for s in settings.noise], "blur": [float(s) for s in settings.blur]}
    card = protocol_card(extractor, f"{datamodule.name}/train first half", shape, half, half, None, cfg.seed)
    card = replace(card, generator="the training split's second half, distorted (sizes: its first m images)")
    report = {
        "checkpoint": str(ckpt),
        **{key: [{"at": x, "fid": fid} for x, fid in zip(strengths[key], curves[key], strict=True)] for key in curves},
        "noise_rises": rises(curves["noise"]),
        "blur_rises": rises(curves["blur"]),
        "smaller_samples_score_higher": rises(curves["sizes"][::-1]),
        "protocol": asdict(card),
    }
    out = derived_path(ckpt, "metrics", f"fid_behaviour_{ckpt.stem}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    panels = [
        ("images of the second half (m)", strengths["sizes"], curves["sizes"]),
        ("Gaussian noise σ", strengths["noise"], curves["noise"]),
        ("Gaussian blur σ (pixels)", strengths["blur"], curves["blur"]),
    ]
    title = f"FID: the {datamodule.name} training split's second half against its first, in {extractor.name} features"
    fid_curves_figure(panels, title, out.with_suffix(".png"))
    for key in curves:
        print(f"{key}: " + ", ".join(f"{x:g} → {fid:.4g}" for x, fid in zip(strengths[key], curves[key], strict=True)))
    return out
