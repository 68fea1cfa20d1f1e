"""The hostile and damaged files of the untrusted-file fuzzing suite (`tests/test_fuzz_untrusted.py`,
`scripts/fuzz_untrusted.py`): Hypothesis strategies that turn a real checkpoint or a real run
directory's `.hydra/config.yaml` into one genlab must refuse, and the world they are tried in.

Every payload, if it were ever built or imported, leaves a trace: it writes the marker file, or
it imports the canary module (whose import writes the marker too). Payloads are hidden the ways
an attacker would hide them: as `_target_` nodes anywhere in the tree (nested in lists and dicts),
as interpolations whose resolution builds such a node (`oc.create`, `oc.decode`, a container
literal), nested in another resolver's arguments or default, in quotes, escaped, as a resolver's
name, or behind an allowed resolver (`hydra:` hands back Hydra's own nodes).
"""

import copy
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import yaml
from hypothesis import strategies as st

CANARY = "genlab_fuzz_canary"  # a module on sys.path whose import writes the marker


@dataclass(frozen=True)
class World:
    """Where a case runs: a finished run directory, its checkpoint and config as genlab wrote them."""

    root: Path
    run: Path
    marker: Path
    checkpoint: bytes
    run_config: str

    @property
    def loaded(self) -> dict:
        return torch.load(io.BytesIO(self.checkpoint), map_location="cpu", weights_only=True)


def canary_source(marker: Path) -> str:
    return f"from pathlib import Path\nPath({str(marker)!r}).touch()\n\ndef touch(path):\n    Path(path).touch()\n"


def targets(marker: Path) -> list[str]:
    return [
        "os.system",
        "builtins.exec",
        "builtins.open",
        "pathlib.Path.touch",
        f"{CANARY}.touch",
        CANARY,
        "genlab.checkpoint.torch.save",  # through genlab's own namespace
        "subprocess.run",
    ]


def node_text(target: str, marker: Path) -> str:
    return f"{{_target_: {target}, _args_: [{marker}]}}"


def hidden_payloads(marker: Path) -> st.SearchStrategy[Any]:
    """A value that becomes a built target if anything resolves or instantiates it carelessly."""
    target = st.sampled_from(targets(marker))

    def texts(t: str) -> list[str]:
        node = node_text(t, marker)
        return [
            f"${{oc.create:{node}}}",
            f"${{oc.decode:'{node}'}}",
            f"${{oc.env:GENLAB_FUZZ_NOPE,${{oc.create:{node}}}}}",  # in a default
            f"${{oc.select:nope.nope,${{oc.create:{node}}}}}",
            f"${{oc.env:GENLAB_FUZZ_NOPE,'${{oc.create:{node}}}'}}",  # in quotes
            f"${{oc.select:nope.nope,{node}}}",  # a container literal as a default
            f"${{${{oc.env:GENLAB_FUZZ_RESOLVER,oc.create}}:{node}}}",  # the resolver's name interpolated
            f"\\${{oc.create:{node}}}",  # escaped: resolves into a live interpolation
            f"prefix ${{oc.create:{node}}} suffix",
            f"${{oc.dict.values:${{oc.create:{{a: {node}}}}}}}",
            "${hydra:launcher}",  # an allowed resolver that hands back a node with a target
            f"${{genlab_low_side:${{oc.create:{node}}},2}}",  # inside an allowed resolver's arguments
        ]

    as_text = target.flatmap(lambda t: st.sampled_from(texts(t)))
    as_node = target.map(lambda t: {"_target_": t, "_args_": [str(marker)]})
    interpolated_target = st.sampled_from(
        [
            {"_target_": "${oc.env:GENLAB_FUZZ_TARGET,os.system}", "_args_": [str(marker)]},
            {"_target_": "${model._target_}"},
        ]
    )
    leaf = st.one_of(as_text, as_node, interpolated_target)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=2),
            st.dictionaries(st.sampled_from(["a", "net", "_args_", "kwargs"]), inner, min_size=1, max_size=2),
        ),
        max_leaves=3,
    )


def odd_keys() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
        st.binary(min_size=1, max_size=8),
        st.tuples(st.integers(), st.integers()),
        st.text(min_size=1).map(lambda t: "${" + t + "}"),
        st.just("x" * 5000),
    )


def deep(depth: int) -> Any:
    node: Any = "bottom"
    for _ in range(depth):
        node = {"n": node}
    return node


def huge_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(40, 400).map(deep),
        st.integers(5000, 20000).map(lambda n: "x" * n),
        st.just(list(range(30000))),
        st.integers(2**63, 2**200),
        st.integers(-(2**200), -(2**63) - 1),
    )


def containers(tree: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every dict and list in a plain config tree (where a mutation can go)."""
    found = [path] if isinstance(tree, dict | list) else []
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else []
    for key, value in items:
        found += containers(value, (*path, key))
    return found


def at(tree: Any, path: tuple) -> Any:
    for key in path:
        tree = tree[key]
    return tree


@st.composite
def planted(draw, config: dict, value: st.SearchStrategy[Any], as_key: bool = False) -> dict:
    """`config` with a drawn value (or, `as_key`, a drawn key) put somewhere in the tree."""
    config = copy.deepcopy(config)
    parent = at(config, draw(st.sampled_from(containers(config))))
    if as_key:
        key = draw(odd_keys())
        if isinstance(parent, list):
            parent.append({key: "x"})
        else:
            parent[key] = "x"
        return config
    planted_value = draw(value)
    if isinstance(parent, list):
        parent.insert(draw(st.integers(0, len(parent))), planted_value)
    else:
        keys = [*parent.keys(), "evil"]
        parent[draw(st.sampled_from(keys))] = planted_value
    return config


def torch_bytes(obj: Any, legacy: bool = False) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=not legacy)
    return buffer.getvalue()


class Payload:
    """Unpickling this runs `touch marker` (what `weights_only=True` must stop)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def deflated(data: bytes) -> bytes:
    """The same archive with every member deflated (torch would inflate whatever a member claims)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, source.read(member.filename))
    return out.getvalue()


@st.composite
def checkpoint_cases(draw, world: World) -> tuple[str, bytes]:
    """(kind, file bytes) of a checkpoint genlab must refuse."""
    kind = draw(
        st.sampled_from(
            ["payload", "odd key", "huge value", "layout", "truncated", "bit flip", "wrong format", "pickle"]
        )
    )
    original = world.loaded
    config = original["genlab"]["config"]

    def with_config(new: Any) -> bytes:
        changed = dict(original)
        changed["genlab"] = {**original["genlab"], "config": new}
        return torch_bytes(changed)

    if kind == "payload":
        return kind, with_config(draw(planted(config, hidden_payloads(world.marker))))
    if kind == "odd key":
        return kind, with_config(draw(planted(config, st.nothing(), as_key=True)))
    if kind == "huge value":
        return kind, with_config(
            draw(planted(config, st.one_of(huge_values(), st.just(torch.zeros(3)), st.binary(min_size=1, max_size=4))))
        )
    if kind == "layout":
        broken = draw(
            st.sampled_from(
                [
                    lambda c: c.pop("model"),
                    lambda c: c.update(model=["x"]),
                    lambda c: c.update(dataset="digits"),
                    lambda c: c["model"].update(_target_=7),
                    lambda c: c["model"].pop("_target_"),
                ]
            )
        )
        config = copy.deepcopy(config)
        broken(config)
        whole = draw(
            st.sampled_from(
                [
                    with_config(config),
                    with_config(["model"]),
                    with_config("model"),
                    torch_bytes({**original, "genlab": ["config"]}),
                    torch_bytes({**original, "state_dict": [1, 2]}),
                    torch_bytes({"state_dict": original["state_dict"]}),
                    torch_bytes([original]),
                ]
            )
        )
        return kind, whole
    if kind == "truncated":
        return kind, world.checkpoint[: draw(st.integers(0, len(world.checkpoint) - 1))]
    if kind == "bit flip":
        data = bytearray(world.checkpoint)
        data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        return kind, bytes(data)
    if kind == "wrong format":
        return kind, draw(
            st.one_of(
                st.binary(max_size=256),
                st.just(b""),
                st.just(b"\x89PNG\r\n\x1a\n" + bytes(64)),
                st.just(world.run_config.encode()),
                st.just(deflated(world.checkpoint)),
                st.just(b"PK\x05\x06" + bytes(18)),  # an empty zip archive
            )
        )
    payload = Payload(world.marker)
    return kind, draw(
        st.sampled_from(
            [
                torch_bytes({"state_dict": {}, "genlab": payload}),
                torch_bytes({**original, "state_dict": {"w": payload}}, legacy=True),
                torch_bytes(payload),
            ]
        )
    )


def dump(config: Any) -> str:
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


@st.composite
def run_config_cases(draw, world: World) -> tuple[str, str | bytes, bool]:
    """(kind, file contents, whether the attacker also rewrote the checkpoint's fingerprint of
    the file) of a run directory's `.hydra/config.yaml` genlab must refuse."""
    config = yaml.safe_load(world.run_config)
    kind = draw(st.sampled_from(["payload", "odd key", "huge value", "wrong format", "truncated", "bit flip"]))
    if kind == "payload":
        return kind, dump(draw(planted(config, hidden_payloads(world.marker)))), True
    if kind == "odd key":
        key = draw(st.sampled_from(["1", "1.5", "true", "null", "!!binary aGk=", "? [a, b]", "'${oc.create:{a: 1}}'"]))
        lines = world.run_config.splitlines()
        line = draw(st.integers(0, len(lines)))
        return kind, "\n".join([*lines[:line], f"{key}: x", *lines[line:]]) + "\n", True
    if kind == "huge value":
        return kind, dump(draw(planted(config, huge_values()))), True
    if kind == "wrong format":
        text = draw(
            st.sampled_from(
                [
                    "- a\n- b\n",
                    "just text\n",
                    "",
                    "a: b: c\n",
                    f"model: !!python/object/apply:os.system ['touch {world.marker}']\n",
                    f"model: !!python/name:{CANARY}.touch\n",
                    "hydra:\n  job_logging:\n    handlers:\n      h:\n        (): os.system\n" + world.run_config,
                    "defaults:\n  - evil\n" + world.run_config,
                    "\t\x00\xff",
                ]
            )
        )
        return kind, draw(st.one_of(st.just(text), st.binary(min_size=1, max_size=128))), True
    if kind == "truncated":
        return kind, world.run_config[: draw(st.integers(0, len(world.run_config) - 1))], False
    data = bytearray(world.run_config.encode())
    data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
    return kind, bytes(data), False
