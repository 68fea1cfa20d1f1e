"""`genlab eval ckpt=PATH metrics=[fid,kid,is] n=10000`: a checkpoint's samples scored against
real data, printed as a table and written as JSON with a protocol card per number.

The real images are the checkpoint's own dataset (rebuilt from the config stored in it), split
`split`; their features are cached (`genlab.metrics.feature_cache`). Generated images come from
the model's `sample()` (the EMA generator where there is one) with a fixed seed.
"""

import json
import sys
from pathlib import Path

import hydra
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig

from genlab.checkpoint import checkpoint_config, read_checkpoint, rebuild_model
from genlab.errors import GenlabError
from genlab.metrics.evaluation import protocol_card, reference_features, score_samples, split_of
from genlab.metrics.extractors import build_extractor, check_input_shape
from genlab.metrics.scores import Scores, ScoreSettings, check_metric_names, check_sample_counts
from genlab.run.user_errors import exit_on_user_error


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def reference_datamodule(dataset_config: dict, split: str):
    if split not in ("train", "val"):
        raise GenlabError(f"split={split!r}: use train or val (the dataset's splits as genlab train used them)")
    datamodule = instantiate(dataset_config)
    datamodule.prepare_data()
    datamodule.setup("fit")
    return datamodule


def default_output(ckpt: Path) -> Path:
    name = f"eval_{ckpt.stem}.json"
    if ckpt.parent.name == "checkpoints":
        return ckpt.parent.parent / "metrics" / name
    return ckpt.with_name(name)


def evaluate(cfg: DictConfig) -> Path:
    if cfg.ckpt is None:
        raise GenlabError("genlab eval needs ckpt=PATH (a .ckpt written by `genlab train`)")
    names = check_metric_names(list(cfg.metrics))
    if cfg.n < 2:
        raise GenlabError(f"n={cfg.n} must be at least 2 generated images")
    settings = ScoreSettings(cfg.kid_subset_size, cfg.kid_subsets, cfg.is_splits, cfg.allow_few_samples)
    ckpt = Path(cfg.ckpt).expanduser()
    checkpoint = read_checkpoint(ckpt)
    config = checkpoint_config(checkpoint)
    model = rebuild_model(checkpoint)
    if not callable(getattr(model, "sample", None)) or len(model.data_shape) != 3:
        raise GenlabError(f"model '{model.model_name}' does not sample images, so it has no FID/KID/IS")
    dataset_name = config["dataset"]["name"]
    extractor = build_extractor(cfg.extractor, dataset_name, cfg.classifier, cfg.resize, cfg.inception_weights)
    check_input_shape(extractor, model.data_shape)
    datamodule = reference_datamodule(config["dataset"], cfg.split)
    n_real = min(cfg.n_real or cfg.n, len(split_of(datamodule, cfg.split)))
    check_sample_counts(names, n_real, cfg.n, extractor.num_features, settings)

    device = pick_device(cfg.device)
    model.to(device)
    extractor.net.to(device)
    real, from_cache = reference_features(
        datamodule, cfg.split, n_real, extractor, cfg.batch_size, device, cfg.cache_dir
    )
    scores = Scores(names, extractor.num_features, num_classes=0, settings=settings)
    torch.manual_seed(cfg.seed)  # KID's subsets and IS's split order
    scores.update_real(real)
    generator = torch.Generator().manual_seed(cfg.seed)
    score_samples(lambda k, g: model.sample(k, generator=g), scores, extractor, cfg.n, cfg.batch_size, generator)
    reference = f"{dataset_name}/{cfg.split}"
    card = protocol_card(extractor, reference, model.data_shape, n_real, cfg.n, model, cfg.seed)
    records = scores.records(card)
    out = Path(cfg.out) if cfg.out else default_output(ckpt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"checkpoint": str(ckpt), "real_features_cached": from_cache, "records": records}, indent=2)
    )
    print_table(records)
    print(out)
    return out


def print_table(records: list[dict]) -> None:
    for record in records:
        std = "" if record["std"] is None else f" ± {record['std']:.4g}"
        card = record["protocol"]
        print(f"{record['name']:<28} {record['value']:.4f}{std}   (real {card['n_real']}, generated {card['n_fake']})")


@hydra.main(version_base="1.3", config_path="pkg://genlab.configs", config_name="eval")
def hydra_main(cfg: DictConfig) -> None:
    with exit_on_user_error():
        evaluate(cfg)


def run(args: list[str]) -> int:
    sys.argv = [sys.argv[0], *args]
    hydra_main()
    return 0
