"""`genlab eval ckpt=PATH metrics=[fid,kid,is] n=10000`: a checkpoint's samples scored against
real data (and, with `separability`, its latent space probed), printed as a table and written as
JSON with a protocol card per number, and the wall seconds the scoring took (sampling, which
dominates, and feature extraction): samplers that trade steps for speed are compared on both.

The real images are the checkpoint's own dataset (rebuilt from the config stored in it), split
`split`; their features are cached (`genlab.metrics.feature_cache`). Generated images come from
the model's `sample()` (the EMA generator where there is one) with a fixed seed.
"""

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig
from torch.utils.data import DataLoader, Subset

from genlab.checkpoint import derived_path, read_checkpoint, rebuild_datamodule, rebuild_model
from genlab.errors import GenlabError
from genlab.metrics.evaluation import EvaluationProtocol, progress_bar, protocol_card, score_samples, split_of
from genlab.metrics.extractors import weights_sha256
from genlab.metrics.mig import mutual_information_gap
from genlab.metrics.ppl import path_length
from genlab.metrics.protocol import ProtocolCard, metric_record
from genlab.metrics.scores import PATH_LENGTHS, Scores, ScoreSettings
from genlab.metrics.separability import linear_separability
from genlab.models.base import require
from genlab.models.capabilities import Encodes, Samples, Translates
from genlab.run.anomaly import anomaly_report
from genlab.run.arguments import check_eval
from genlab.run.choices import choose_sampler, truncation_tag
from genlab.run.fid_behaviour import fid_behaviour_report
from genlab.run.purity import purity_report
from genlab.run.subgroups import subgroup_report


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def evaluate(cfg: DictConfig) -> Path:
    ckpt, names = check_eval(cfg)
    checkpoint = read_checkpoint(ckpt, trust=cfg.trust_config)
    model = rebuild_model(checkpoint)
    # scores of two samplers (or truncations) are two reports
    sampler_tag = choose_sampler(model, cfg.sampler, cfg.steps, cfg.guidance) + truncation_tag(model, cfg.truncation)
    datamodule = rebuild_datamodule(checkpoint)
    device = pick_device(cfg.device)
    model.to(device)
    records, from_cache = [], None
    # reports of their own, each with its JSON and protocol card
    reports = {
        "anomaly": anomaly_report,
        "subgroups": subgroup_report,
        "purity": purity_report,
        "fid_behaviour": fid_behaviour_report,
    }
    written = [reports[name](model, checkpoint, ckpt, cfg, device) for name in names if name in reports]
    for report in written:
        print(report)
    names = [m for m in names if m not in reports]
    if not names:
        return written[-1]
    start = time.perf_counter()
    sample_names = [m for m in names if m not in CODE_METRICS]
    if sample_names:
        records, from_cache = sample_records(sample_names, model, datamodule, cfg, device)
    if "separability" in names:
        records += separability_records(model, datamodule, cfg, device)
    if "mig" in names:
        records.append(mig_record(model, datamodule, cfg, device))
    out = Path(cfg.out) if cfg.out else derived_path(ckpt, "metrics", f"eval_{ckpt.stem}{sampler_tag}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    seconds = round(time.perf_counter() - start, 3)
    report = {"checkpoint": str(ckpt), "real_features_cached": from_cache, "seconds": seconds, "records": records}
    out.write_text(json.dumps(report, indent=2))
    print_table(records)
    print(out)
    return out


TRANSLATION_METRICS = ("fid", "kid")


@torch.no_grad()
def translation_records(names: list[str], model, datamodule, cfg: DictConfig, device) -> tuple[list[dict], bool]:
    """FID/KID of the split's source images translated `direction`, against the split's images of
    the target domain (CycleGAN's domain FID): item side 0 holds the targets, side 1 the sources."""
    others = [m for m in names if m not in TRANSLATION_METRICS]
    if others:
        raise GenlabError(
            f"metrics={others[0]}: translators are scored by fid and kid (translations vs the target domain)"
        )
    if cfg.direction not in model.directions:
        raise GenlabError(
            f"direction={cfg.direction}: model '{model.model_name}' translates {', '.join(model.directions)}"
        )
    into, start = (0, 1) if cfg.direction == "AtoB" else (1, 0)
    protocol = EvaluationProtocol.from_config(cfg)
    domain = datamodule.domains[into]
    shape = model.data_shape if into == 0 else model.source_shape
    extractor = protocol.build_extractor(domain, shape, cfg.trust_config)
    split = split_of(datamodule, protocol.split)
    n = min(protocol.n, len(split))
    n_real, settings = protocol.settle(names, len(split), n, extractor)
    extractor.net.to(device)
    real, from_cache = protocol.real_features(datamodule, n_real, extractor, device, side=into)
    scores = Scores(names, extractor.num_features, num_classes=0, settings=settings).to(device)
    torch.manual_seed(protocol.seed)  # KID's subsets
    scores.update_real(real.to(device))
    with progress_bar(n, f"genlab eval: translating {cfg.direction}") as bar:
        for batch in DataLoader(Subset(split, range(n)), batch_size=protocol.batch_size):
            scores.update_fake(*extractor.encode(model.translate(batch[start].to(device), cfg.direction)))
            bar.update(len(batch[start]))
    side = "targets" if into == 0 else "sources"
    card = protocol_card(
        extractor, f"{datamodule.name}/{protocol.split} {side} ({domain})", shape, n_real, n, None, protocol.seed
    )
    return scores.records(replace(card, generator=f"translate {cfg.direction}")), from_cache


def sample_records(names: list[str], model, datamodule, cfg: DictConfig, device) -> tuple[list[dict], bool | None]:
    """FID/KID/IS/precision/recall of samples against the real split, and PPL."""
    if isinstance(model, Translates) and not isinstance(model, Samples):
        return translation_records(names, model, datamodule, cfg, device)
    require(model, Samples, ", ".join(names))
    if not model.images:
        raise GenlabError(f"model '{model.model_name}' samples points, not images, so it has no {', '.join(names)}")
    if cfg.n < 2:
        raise GenlabError(f"n={cfg.n} must be at least 2 generated images")
    protocol = EvaluationProtocol.from_config(cfg)
    extractor = protocol.build_extractor(datamodule.name, model.data_shape, cfg.trust_config)
    n_real, settings = protocol.settle(names, len(split_of(datamodule, protocol.split)), protocol.n, extractor)
    extractor.net.to(device)
    card = protocol_card(
        extractor, f"{datamodule.name}/{protocol.split}", model.data_shape, n_real, protocol.n, model, protocol.seed
    )
    records, from_cache = [], None
    feature_names = [m for m in names if m not in PATH_LENGTHS]
    if feature_names:
        real, from_cache = protocol.real_features(datamodule, n_real, extractor, device)
        records = feature_records(feature_names, model, extractor, real, card, settings, protocol, cfg.truncation)
    records += [ppl_record(model, extractor, card, cfg, device, PATH_LENGTHS[m]) for m in names if m in PATH_LENGTHS]
    return records, from_cache


CODE_METRICS = ("separability", "mig")  # probes of the encoder's codes, not of samples


@torch.no_grad()
def encoded(model, dataset, indices, batch_size: int, device) -> tuple[np.ndarray, np.ndarray]:
    """The encoder means and labels of `dataset`'s items at `indices`."""
    loader = DataLoader(Subset(dataset, indices), batch_size=batch_size)
    pairs = [(model.encode_mean(x.to(device)).cpu(), y) for x, y in loader]
    return torch.cat([c for c, _ in pairs]).numpy(), torch.cat([y for _, y in pairs]).numpy()


def code_card(model, datamodule, codes: np.ndarray, reference: str, n_real: int, seed: int) -> ProtocolCard:
    return ProtocolCard(
        extractor=f"{model.model_name}-latent",
        weights_sha256=weights_sha256(model),
        feature_dim=int(codes.shape[1]),
        resize="none",
        reference=f"{datamodule.name}/{reference}",
        image_shape=list(model.data_shape),
        n_real=n_real,
        n_fake=0,
        generator="none (encoder means)",
        seed=seed,
    )


def separability_records(model, datamodule, cfg: DictConfig, device) -> list[dict]:
    """Linear SVMs on the codes of (up to `n`) training images, scored on the validation split."""
    require(model, Encodes, "separability (a latent space to probe)")

    def codes(dataset) -> tuple[np.ndarray, np.ndarray]:
        return encoded(model, dataset, range(min(cfg.n, len(dataset))), cfg.batch_size, device)

    (train_codes, train_labels), (val_codes, val_labels) = codes(datamodule.train_set), codes(datamodule.val_set)
    results = linear_separability(train_codes, train_labels, val_codes, val_labels, datamodule.label_names)
    card = code_card(model, datamodule, train_codes, "train→val", len(train_codes) + len(val_codes), cfg.seed)
    return [
        metric_record(f"separability/{name}", accuracy, None, card, chance=chance)
        for name, (accuracy, chance) in results.items()
    ]


def mig_record(model, datamodule, cfg: DictConfig, device) -> dict:
    """MIG of the encoder means of `n` training images drawn at random (seeded: a dataset stored in
    factor order would otherwise hold one value of the first factor), against their labels — the
    known factors of `dataset=shapes`, or a class."""
    require(model, Encodes, "mig (a latent space to score)")
    dataset = datamodule.train_set
    chosen = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(cfg.seed))[: cfg.n]
    codes, factors = encoded(model, dataset, chosen.tolist(), cfg.batch_size, device)
    found = mutual_information_gap(codes, factors)
    card = code_card(model, datamodule, codes, "train", len(codes), cfg.seed)
    return metric_record("mig", found["mig"], None, card, factors=found["factors"])


def feature_records(
    names,
    model,
    extractor,
    real,
    card: ProtocolCard,
    settings: ScoreSettings,
    protocol: EvaluationProtocol,
    truncation: float | None = None,
) -> list[dict]:
    """Feature-based scores of `protocol.n` samples, drawn by the truncation trick at ψ =
    `truncation` where one is given (the model's own: BigGAN's resampling, StyleGAN's W)."""
    device = next(model.parameters()).device

    def sample(k: int, generator: torch.Generator) -> torch.Tensor:
        if truncation is None:
            return model.sample(k, generator=generator)
        return model.decode_truncated(torch.randn(k, model.latent_dim, generator=generator), truncation)

    if truncation is not None:
        card = replace(card, generator=f"{card.generator}, truncation ψ={truncation:g}")
    scores = Scores(names, extractor.num_features, num_classes=0, settings=settings).to(device)
    torch.manual_seed(protocol.seed)  # KID's subsets and IS's split order
    scores.update_real(real.to(device))
    generator = torch.Generator().manual_seed(protocol.seed)
    score_samples(
        sample,
        scores,
        extractor,
        protocol.n,
        protocol.batch_size,
        generator,
        progress=f"genlab eval: sampling {card.generator}",
    )
    return scores.records(card)


def ppl_record(model, extractor, card: ProtocolCard, cfg: DictConfig, device: torch.device, space: str) -> dict:
    """PPL walking the space `decode` reads (`ppl[…]`, slerp) or W (`ppl[w,…]`, lerp)."""
    args = (cfg.ppl_samples, cfg.batch_size, cfg.ppl_epsilon, cfg.seed, device, space)
    name, mean, std = path_length(model, extractor, *args)
    ppl_card = replace(card, extractor=name, reference="none (a property of the generator)", n_real=0)
    ppl_card = replace(ppl_card, n_fake=cfg.ppl_samples)
    if name != extractor.name:  # LPIPS' weights are not the extractor's
        ppl_card = replace(ppl_card, weights_sha256="lpips-vgg (torchmetrics)", feature_dim=0, resize="lpips")
    if space == "w":
        settings = {"space": "w", "interpolation": "lerp", "sampling": "end"}
        return metric_record("ppl", mean, std, ppl_card, qualifier="w", epsilon=cfg.ppl_epsilon, **settings)
    settings = {"space": model.latent_space, "interpolation": "slerp", "sampling": "end"}
    return metric_record("ppl", mean, std, ppl_card, epsilon=cfg.ppl_epsilon, **settings)


def print_table(records: list[dict]) -> None:
    for record in records:
        std = "" if record["std"] is None else f" ± {record['std']:.4g}"
        card = record["protocol"]
        print(f"{record['name']:<28} {record['value']:.4f}{std}   (real {card['n_real']}, generated {card['n_fake']})")
