"""Real-data features cached on disk, keyed by everything that changes them: dataset, split,
extractor and its weights, resize mode, image shape and count. A repeated evaluation loads
them instead of running the extractor over the real images again.

Each entry is `<key>.pt` (the tensor) beside `<key>.json` (the key's fields and the SHA-256 of
the `.pt` file). An entry whose bytes do not match its checksum — truncated by a full disk,
altered by hand, or without a sidecar — is recomputed with a one-line warning naming it, so a
bad entry can neither break every later evaluation nor be used silently.
"""

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from genlab.atomic import write_atomically
from genlab.digest import file_sha256
from genlab.trust import read_tensors


def cache_key(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:24]


def _why_corrupt(path: Path) -> str | None:
    """None when the entry's bytes match the checksum in its sidecar, else the reason."""
    try:
        expected = json.loads(path.with_suffix(".json").read_text())["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return "its checksum record is missing or unreadable"
    return None if file_sha256(path) == expected else "its bytes do not match the recorded checksum"


def _load_verified(path: Path) -> Tensor | None:
    """The cached tensor, or None (after a one-line warning naming the file) for a bad entry."""
    reason = _why_corrupt(path)
    if reason is None:
        try:
            return read_tensors(path)
        except Exception as exc:  # a checksummed file that still fails to load is corrupt too
            reason = f"it does not load ({type(exc).__name__})"
    print(f"genlab: warning: feature cache entry {path} is corrupt ({reason}); recomputing it", file=sys.stderr)
    return None


def cached_features(cache_dir: str | Path, fields: dict, compute: Callable[[], Tensor]) -> tuple[Tensor, bool]:
    """(features, whether they came from the cache)."""
    path = Path(cache_dir).expanduser() / f"{cache_key(fields)}.pt"
    if path.is_file() and (features := _load_verified(path)) is not None:
        return features, True
    features = compute().detach().cpu()
    write_atomically(path, lambda file: torch.save(features, file))
    sidecar = json.dumps({**fields, "sha256": file_sha256(path)}, indent=2, sort_keys=True)
    write_atomically(path.with_suffix(".json"), lambda file: file.write(sidecar.encode()))
    return features, False
