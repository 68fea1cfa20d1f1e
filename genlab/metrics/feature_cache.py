"""Real-data features cached on disk, keyed by everything that changes them: dataset, split,
extractor and its weights, resize mode, image shape and count. A repeated evaluation loads
them instead of running the extractor over the real images again."""

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor


def cache_key(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:24]


def cached_features(cache_dir: str | Path, fields: dict, compute: Callable[[], Tensor]) -> tuple[Tensor, bool]:
    """(features, whether they came from the cache)."""
    directory = Path(cache_dir).expanduser()
    path = directory / f"{cache_key(fields)}.pt"
    if path.is_file():
        return torch.load(path, map_location="cpu", weights_only=True), True
    features = compute().detach().cpu()
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".tmp{os.getpid()}")
    torch.save(features, partial)
    partial.replace(path)  # atomic: a crash never leaves a truncated cache entry
    path.with_suffix(".json").write_text(json.dumps(fields, indent=2, sort_keys=True))
    return features, False
