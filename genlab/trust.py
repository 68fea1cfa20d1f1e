"""Configs that come from files are data: checked as they will be built, built only from targets
genlab ships.

A checkpoint's stored config, a run directory's `.hydra/config.yaml` and a classifier checkpoint
may come from anyone. Hydra's `instantiate` calls whatever `_target_` names (importing its module
before anything can look at the object), and it *resolves* the config first: OmegaConf's
resolvers can turn a string into a new config node (`${oc.create:{_target_: …}}`,
`${oc.decode:…}`), so a target hidden in a value would be built although no `_target_` key was in
the file. A config read from a file is therefore checked three ways, none of which imports or
builds anything:

- its *shape*: plain mappings with string keys, lists, strings, numbers, booleans and nulls, no
  deeper than `MAX_DEPTH` and no larger than `MAX_NODES` (the walk is iterative: a file nested
  ten thousand deep is refused, not a RecursionError);
- its *interpolations*, per `Policy`: a checkpoint's config is stored resolved, so it may hold
  none at all; a run directory's may hold plain references (`${dataset.shape}`) and the resolvers
  genlab's own configs write there (`oc.env`, `oc.select`, `hydra:` and genlab's side-effect-free
  `genlab_*`), with primitive arguments only. Every resolver call is found by OmegaConf's own
  grammar parser, also inside another call's arguments or default, in quotes, or as the name of
  a resolver;
- its *targets*: every `_target_` must be one genlab's shipped YAML uses.

The same checks run again on the config *resolved* (`check_resolved`), where no interpolation may
be left at all (an escaped `\\${…}` resolves into a live one, which `instantiate` would resolve
again): whatever a future resolver or Hydra feature could build is looked at as it will be built.
Anything else is refused in one line naming the key, unless the user opts in with
`trust_config=true` for a file they wrote themselves (their own model family, say).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import GrammarParseError, OmegaConfBaseException

from genlab.errors import GenlabError

TARGET_LINE = re.compile(r"^\s*_target_:\s*([\w.]+)\s*(?:#.*)?$")
MAX_DEPTH = 32  # genlab's deepest config is 6 levels
MAX_NODES = 20_000  # genlab's largest stored config has a few hundred
MAX_TEXT = 4096  # characters in one key or value
INT64 = 2**63
OPT_IN = "if you made it yourself, add trust_config=true"


@dataclass(frozen=True)
class Policy:
    """What a config read from a file may interpolate: `resolvers=None` allows no interpolation."""

    what: str  # "a checkpoint's config", for the messages
    resolvers: frozenset[str] | None


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


CHECKPOINT = Policy("a checkpoint's config (stored resolved)", None)


@cache
def run_directory_policy() -> Policy:
    """A run directory's `.hydra/config.yaml`: the lookups genlab's own configs write there."""
    from genlab.run.resolvers import RESOLVERS  # genlab's own, all free of side effects

    return Policy("a run directory's config", frozenset({"oc.env", "oc.select", "hydra", *RESOLVERS}))


def _refuse(source: str, key: str, problem: str) -> GenlabError:
    where = f"{key[:120]} " if key else ""  # a key path can be as long as the file makes it
    return GenlabError(
        f"{source}: {where}{problem}; genlab will not build it (a file from elsewhere could run code so; {OPT_IN})"
    )


def _plain(node: Any) -> Any:
    """OmegaConf containers as plain ones, nothing resolved."""
    if isinstance(node, DictConfig | ListConfig):
        return OmegaConf.to_container(node, resolve=False)
    return node


def _resolver_calls(tree: Any) -> Iterator[tuple[str | None, str]]:
    """(name, kind) of every resolver call and container literal in a parsed interpolation; name
    None when the resolver's name is itself interpolated."""
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = type(node).__name__
        if kind == "InterpolationResolverContext":
            name = node.resolverName()
            dynamic = any(type(c).__name__ == "InterpolationContext" for c in name.children or [])
            yield (None if dynamic else name.getText()), "resolver"
        elif kind in ("DictContainerContext", "ListContainerContext"):
            yield None, "container"
        stack.extend(getattr(node, "children", None) or [])


def _check_text(value: str, key: str, source: str, policy: Policy) -> None:
    if len(value) > MAX_TEXT:
        raise _refuse(source, key, f"holds a text of {len(value)} characters (genlab writes at most {MAX_TEXT})")
    if "${" not in value:
        return
    if policy.resolvers is None:
        raise _refuse(source, key, f"holds the interpolation {value[:80]!r}, but {policy.what} needs none")
    if "\\${" in value:
        raise _refuse(source, key, f"holds the escaped interpolation {value[:80]!r}, which resolves into a live one")
    from omegaconf.grammar_parser import parse

    try:
        tree = parse(value)
    except GrammarParseError:
        raise _refuse(source, key, f"holds {value[:80]!r}, which is no valid interpolation") from None
    for name, kind in _resolver_calls(tree):
        if kind == "container":
            raise _refuse(source, key, f"builds a container from text in {value[:80]!r}")
        if name is None or name not in policy.resolvers:
            allowed = ", ".join([*sorted(r for r in policy.resolvers if not r.startswith("genlab_")), "genlab_*"])
            raise _refuse(source, key, f"calls the resolver {name or 'named by an interpolation'} (allowed: {allowed})")


def _check_scalar(value: Any, key: str, source: str, policy: Policy) -> None:
    if isinstance(value, str):
        _check_text(value, key, source, policy)
    elif isinstance(value, bool | float) or value is None:
        return
    elif isinstance(value, int):
        if not -INT64 <= value < INT64:
            raise _refuse(source, key, f"holds an integer of {value.bit_length()} bits (genlab writes at most 64)")
    else:
        raise _refuse(source, key, f"holds a value of type {type(value).__name__}, which no genlab config holds")


def check_config(config: Any, source: str, policy: Policy, also: frozenset[str] = frozenset()) -> None:
    """Refuse a config read from `source` that is not plain data genlab could have written; its
    targets must be genlab's own or in `also` (those the user's own command line builds)."""
    allowed = shipped_targets() | also
    stack: list[tuple[Any, str, int]] = [(_plain(config), "", 0)]
    nodes = 0
    while stack:
        node, path, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise _refuse(source, "", f"has more than {MAX_NODES} entries (genlab's configs have a few hundred)")
        if depth > MAX_DEPTH:
            raise _refuse(source, path, f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    odd = f"has a key of type {type(key).__name__} ({key!r:.40}); genlab writes text keys"
                    raise _refuse(source, path, odd)
                here = f"{path}.{key}" if path else key
                _check_text(key, here, source, CHECKPOINT)
                if key == "_target_" and (not isinstance(value, str) or value not in allowed):
                    raise GenlabError(
                        f"{source}: {here[:120]}={value!r:.120} is not one of genlab's own targets, so genlab will not "
                        f"build it (a file from elsewhere could run code this way; {OPT_IN})"
                    )
                stack.append((value, here, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{index}]", depth + 1) for index, value in enumerate(node))
        else:
            _check_scalar(node, path, source, policy)


def check_resolved(config: Any, source: str, also: frozenset[str] = frozenset()) -> dict:
    """Resolve `config` (whose interpolations `check_config` allowed) and check the result as it
    will be built: no interpolation left, every target genlab's own. Returns the resolved config."""
    try:
        resolved = OmegaConf.to_container(OmegaConf.create(_plain(config)), resolve=True)
    except (OmegaConfBaseException, ValueError, TypeError, RecursionError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GenlabError(f"{source}: its config does not resolve ({detail}); {OPT_IN}") from None
    check_config(resolved, f"{source} (resolved)", CHECKPOINT, also)
    return resolved


def read_tensors(path: Any) -> Any:
    """Every torch file genlab reads (checkpoints, weights, cached features): tensors and plain
    containers only, refused before any other pickled object is built (`weights_only=True`)."""
    import torch  # here, not at the top: `genlab train` checks run configs before it loads torch

    return torch.load(path, map_location="cpu", weights_only=True)


def download_weights(url: str) -> Any:
    """A published weights file from torch hub: the SHA-256 prefix in its name checked, then
    loaded as `read_tensors` does."""
    from pathlib import Path

    import torch

    from genlab.hub import quiet_download

    target = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    with quiet_download(target, target.name):
        return torch.hub.load_state_dict_from_url(url, map_location="cpu", check_hash=True, weights_only=True)


def targets_of(config: Any) -> frozenset[str]:
    """Every text `_target_` in a config (nothing resolved)."""
    found, stack = set(), [_plain(config)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found |= {v for k, v in node.items() if k == "_target_" and isinstance(v, str)}
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)


def read_run_config(path: str, source: str) -> DictConfig:
    """A run directory's saved YAML, read as data (nothing resolved or built) and checked. genlab
    never writes `hydra` or `defaults` into it; in a primary config they would reconfigure Hydra
    (its logging handlers name classes) or pull in further files, so they are refused too."""
    try:
        config = OmegaConf.load(path)  # PyYAML's safe loader underneath: no tag constructs an object
    except (OmegaConfBaseException, yaml.YAMLError, ValueError, UnicodeDecodeError, OSError, RecursionError) as exc:
        raise GenlabError(
            f"{source}: {path} is not a config genlab wrote ({type(exc).__name__}); restore it from a copy, "
            "or start the run again"
        ) from None
    if not isinstance(config, DictConfig):
        raise GenlabError(f"{source}: {path} holds a list, not a run's config; restore it from a copy")
    for key in ("hydra", "defaults"):
        if key in config:
            raise GenlabError(
                f"{source}: the run's config holds a '{key}' section, which genlab never writes there; "
                f"the file was altered ({OPT_IN})"
            )
    plain = _plain(config)  # nothing resolved: `config.get` would resolve the value it returns
    for key in ("paths", "dataset", "model", "trainer"):
        if not isinstance(plain.get(key), dict):
            raise GenlabError(
                f"{source}: {path} has no '{key}' section, which every run's config holds; the file is damaged or "
                "was made elsewhere: restore it from a copy"
            )
    check_config(plain, source, run_directory_policy())
    return config
