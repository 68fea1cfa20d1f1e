"""Configs that come from files are built only from targets genlab ships.

A checkpoint's stored config, a run directory's `.hydra/config.yaml` and a classifier checkpoint
may come from anyone; Hydra's `instantiate` calls whatever `_target_` names (and Hydra imports the
module named in it before anything can check the object), so a crafted file could run any
function. genlab therefore reads every `_target_` in such a config *as text* first and builds it
only if each one is a target that genlab's own shipped YAML uses (its networks, models, data,
callbacks, and the optimisers, loggers and Lightning callbacks it has configs for). Anything else
is refused in one line naming the key and the target, unless the user opts in with
`trust_config=true` for a file they wrote themselves (their own model family, say).
"""

import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from genlab.errors import GenlabError

TARGET_LINE = re.compile(r"^\s*_target_:\s*([\w.]+)\s*(?:#.*)?$")


def _yaml_files(folder: Traversable) -> Iterator[Traversable]:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _yaml_files(entry)
        elif entry.name.endswith(".yaml"):
            yield entry


@cache
def shipped_targets() -> frozenset[str]:
    """Every `_target_` written in the config tree that ships with genlab."""
    found = set()
    for file in _yaml_files(files("genlab.configs")):
        for line in file.read_text().splitlines():
            match = TARGET_LINE.match(line)
            if match:
                found.add(match.group(1))
    return frozenset(found)


def _targets(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(key, value) of every `_target_` below `node`, whatever its value's type."""
    if isinstance(node, dict | DictConfig):
        items = node.items() if isinstance(node, dict) else node.items_ex(resolve=False)
        for key, value in items:
            here = f"{path}.{key}" if path else str(key)
            if key == "_target_":
                yield here, value
            else:
                yield from _targets(value, here)
    elif isinstance(node, list | tuple | ListConfig):
        for index, value in enumerate(node):
            yield from _targets(value, f"{path}[{index}]")


def check_targets(config: Any, source: str, trust: bool = False) -> None:
    """Refuse a config read from `source` that names a target genlab does not ship."""
    if trust:
        return
    allowed = shipped_targets()
    for key, target in _targets(config, ""):
        if not isinstance(target, str) or target not in allowed:
            raise GenlabError(
                f"{source}: {key}={target!r} is not one of genlab's own targets, so genlab will not build it "
                "(a file from elsewhere could run code this way); if you wrote it yourself, add trust_config=true"
            )


def check_run_config(path: str, source: str, trust: bool = False) -> None:
    """A run directory's saved YAML, read as data (nothing resolved or built) and checked. genlab
    never writes `hydra` or `defaults` into it; in a primary config they would reconfigure Hydra
    (its logging handlers name classes) or pull in further files, so they are refused too."""
    config = OmegaConf.load(path)
    if not trust:
        for key in ("hydra", "defaults"):
            if key in config:
                raise GenlabError(
                    f"{source}: the run's config holds a '{key}' section, which genlab never writes there; "
                    "the file was altered (if you did that yourself, add trust_config=true)"
                )
    check_targets(config, source, trust)
