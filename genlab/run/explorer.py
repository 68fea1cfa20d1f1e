"""What every `genlab explore` picture starts from: one checkpoint's model on its device, the seed's
noise, and where its files go (`<run>/explore/<checkpoint>_<tag>_seed<seed>.png|json`, or `out=`)."""

import json
from pathlib import Path

import torch
from omegaconf import DictConfig
from torch import Tensor
from torch.utils.data import Dataset
from torchvision.utils import make_grid, save_image

from genlab.checkpoint import derived_path, rebuild_model
from genlab.run.evaluate import pick_device


def labelled_examples(dataset: Dataset, n: int) -> tuple[Tensor, Tensor]:
    """The inputs and class labels (a label's first column where it has several) of the first `n`."""
    examples = [dataset[i] for i in range(min(n, len(dataset)))]
    x = torch.stack([e[0] for e in examples])
    return x, torch.stack([torch.as_tensor(e[1]).flatten()[0] for e in examples])


class ExplorerBase:
    """One checkpoint's model, its seeds and where its pictures go."""

    def __init__(self, cfg: DictConfig, ckpt: Path, checkpoint: dict) -> None:
        self.cfg, self.ckpt, self.checkpoint = cfg, ckpt, checkpoint
        self.device = pick_device(cfg.device)
        self.model = rebuild_model(checkpoint).to(self.device)
        self.noise = torch.Generator().manual_seed(cfg.seed)
        self.written: list[Path] = []

    def latents(self, n: int) -> Tensor:
        return torch.randn(n, self.model.latent_dim, generator=self.noise)

    def path(self, tag: str, suffix: str = ".png") -> Path:
        name = f"{self.ckpt.stem}_{tag}_seed{self.cfg.seed}{suffix}"
        out = Path(self.cfg.out) / name if self.cfg.out else derived_path(self.ckpt, "explore", name)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.written.append(out)
        return out

    def save(self, tag: str, images: Tensor, nrow: int) -> None:
        save_image(make_grid(images.clamp(0, 1).cpu(), nrow=nrow, padding=2, pad_value=1.0), self.path(tag))

    def save_json(self, tag: str, content: dict) -> None:
        self.path(tag, ".json").write_text(json.dumps(content, indent=2))

    def distances(self) -> Tensor:
        return torch.tensor([float(d) for d in self.cfg.distances])
