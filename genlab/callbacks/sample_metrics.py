"""FID/KID/IS while training, plus a mode-collapse alarm in the same feature space.

Every `every_n_epochs` validation epochs, each rank generates its share of `n` samples (the EMA
generator where the model has one), torchmetrics synchronises the statistics across ranks, and
the scores are logged to TensorBoard as `metrics/<metric>[<extractor>]` and appended, each with
its protocol card, to `metrics.csv` and `metrics.jsonl` in the run directory. The checkpoint
with the lowest FID so far is kept as `checkpoints/best-fid.ckpt` (GANs often get worse late).

The diversity alarm, logged and warned about in one line when it trips: mean pairwise feature
distance of samples relative to that of real images (`metrics/diversity`; a collapsed
generator's samples are close to each other). The alarms that need no feature space (gradient
norms, discriminator saturation) are callbacks of their own (`grad_norms`, `saturation`).
"""

import csv
import json
import math
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.utilities import rank_zero_warn
from torch import Tensor

from genlab.errors import GenlabError
from genlab.metrics.evaluation import EvaluationProtocol, protocol_card, score_samples, split_of
from genlab.metrics.scores import Scores, ScoreSettings
from genlab.models.base import require
from genlab.models.capabilities import Samples
from genlab.run.arguments import check_metric_names


def mean_pairwise_distance(features: Tensor, limit: int = 500) -> float:
    x = features[:limit].double()
    return float(torch.cdist(x, x).sum() / max(1, len(x) * (len(x) - 1)))


class SampleMetrics(L.Callback):
    """Scores under an `EvaluationProtocol` (genlab eval's, from the same config group) plus the
    callback's own knobs: which metrics, how often, the best-FID checkpoint, the diversity alarm."""

    def __init__(
        self,
        output_dir: str,
        protocol: EvaluationProtocol,
        metrics: list[str] = ("fid",),
        every_n_epochs: int = 1,
        best_checkpoint: bool = True,
        diversity_alarm: float = 0.5,
        trust_config: bool = False,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.protocol = protocol
        self.names = check_metric_names(list(metrics))
        if {"ppl", "separability"} & set(self.names):
            raise GenlabError("callbacks.metrics.metrics: ppl and separability are for genlab eval, not training")
        self.every_n_epochs = every_n_epochs
        self.best_checkpoint = best_checkpoint
        self.diversity_alarm = diversity_alarm
        self.trust_config = trust_config
        self.best_fid = math.inf
        self.extractor = None
        self.n_real = 0
        self.settings: ScoreSettings | None = None
        self.real: Tensor | None = None
        self.real_diversity = 0.0

    @classmethod
    def from_config(cls, **config) -> "SampleMetrics":
        """The callback from its flat config (`configs/evaluation/domain.yaml`): the protocol's keys
        sit beside the callback's own, spelled `callbacks.metrics.<key>` as in genlab eval."""
        protocol = EvaluationProtocol.from_config(config, spelled="callbacks.metrics.")
        own = {key: value for key, value in config.items() if key not in EvaluationProtocol.field_names()}
        return cls(protocol=protocol, **own)

    def state_dict(self) -> dict[str, float]:
        """The best FID so far travels with the checkpoint, so a resumed run keeps `best-fid.ckpt`
        unless it beats it."""
        return {"best_fid": self.best_fid}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.best_fid = float(state.get("best_fid", self.best_fid))

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        """Everything that can fail (capability, extractor, counts) fails here, before the first step."""
        require(pl_module, Samples, "FID/KID/IS while training")
        datamodule = trainer.datamodule
        self.extractor = self.protocol.build_extractor(datamodule.name, pl_module.data_shape, self.trust_config)
        available = len(split_of(datamodule, self.protocol.split))
        self.n_real, self.settings = self.protocol.settle(self.names, available, self.protocol.n, self.extractor)

    def on_fit_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.extractor.net.to(pl_module.device)
        args = (trainer.datamodule, self.n_real, self.extractor, pl_module.device)
        if trainer.is_global_zero:  # one rank fills the cache, the others then read it
            self.protocol.real_features(*args)
        trainer.strategy.barrier()
        real, _ = self.protocol.real_features(*args)
        self.real_diversity = mean_pairwise_distance(real)
        self.real = real[trainer.global_rank :: trainer.world_size]

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        due = (trainer.current_epoch + 1) % self.every_n_epochs == 0
        if trainer.sanity_checking or not due or self.real is None:
            return
        was_training = pl_module.training
        pl_module.eval()
        scores = Scores(self.names, self.extractor.num_features, num_classes=0, settings=self.settings)
        scores.to(pl_module.device)
        protocol = self.protocol
        torch.manual_seed(protocol.seed)  # KID's subsets and IS's split order: the same on every rank
        scores.update_real(self.real.to(pl_module.device))
        share = len(range(trainer.global_rank, protocol.n, trainer.world_size))
        generator = torch.Generator().manual_seed(protocol.seed + trainer.global_rank)
        fake = score_samples(
            lambda k, g: pl_module.sample(k, generator=g), scores, self.extractor, share, protocol.batch_size, generator
        )
        card = protocol_card(
            self.extractor,
            f"{trainer.datamodule.name}/{protocol.split}",
            pl_module.data_shape,
            self.n_real,
            protocol.n,
            pl_module,
            protocol.seed,
        )
        records = scores.records(card)
        for record in records:
            pl_module.log(f"metrics/{record['name']}", record["value"], sync_dist=False, rank_zero_only=True)
        self.check_diversity(trainer, pl_module, fake)
        if trainer.is_global_zero:
            self.write(trainer, records)
        fid = next((r["value"] for r in records if r["metric"] == "fid"), None)
        if self.best_checkpoint and fid is not None and fid < self.best_fid:
            self.best_fid = fid
            trainer.save_checkpoint(self.output_dir / "checkpoints" / "best-fid.ckpt", weights_only=False)
        pl_module.train(was_training)

    def check_diversity(self, trainer: L.Trainer, pl_module: L.LightningModule, fake: Tensor) -> None:
        step = trainer.global_step
        diversity = mean_pairwise_distance(fake) / max(self.real_diversity, 1e-12)
        pl_module.log("metrics/diversity", diversity, sync_dist=True)
        if diversity < self.diversity_alarm:
            rank_zero_warn(
                f"genlab: possible mode collapse at step {step}: sample diversity is {diversity:.2f} of the "
                f"real data's (alarm below {self.diversity_alarm})"
            )

    def write(self, trainer: L.Trainer, records: list[dict]) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        rows = [{"step": trainer.global_step, "epoch": trainer.current_epoch, **record} for record in records]
        with open(self.output_dir / "metrics.jsonl", "a") as jsonl:
            for row in rows:
                jsonl.write(json.dumps(row) + "\n")
        table = self.output_dir / "metrics.csv"
        new = not table.exists()
        with open(table, "a", newline="") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(["step", "epoch", "name", "value", "std", "n_real", "n_fake", "protocol"])
            for row in rows:
                card = row["protocol"]
                writer.writerow(
                    [
                        row["step"],
                        row["epoch"],
                        row["name"],
                        row["value"],
                        row["std"],
                        card["n_real"],
                        card["n_fake"],
                        json.dumps(card),
                    ]
                )
