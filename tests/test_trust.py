"""Files from elsewhere never run code: crafted checkpoints, classifier checkpoints and run
directories, fed to every entry point that reads them, are refused and their marker file never
appears. One control shows the payloads are live: with `trust_config=true` the marker is written."""

import ast
import copy
import os
import re
from pathlib import Path

import pytest
import torch
import yaml

from genlab.errors import GenlabError
from genlab.metrics.extractors import Extractor, inception_extractor
from genlab.metrics.ppl import VGG16_FILE, similarity
from genlab.run.evaluate import evaluate
from genlab.run.resume import resume_args, trusts_configs
from genlab.run.sample import sample
from genlab.run.train import assemble
from tests.conftest import QUIET, cli_in_process, compose_command, compose_train, fit, run_cli
from tests.test_reliability import saved_run

SMALL = ["dataset.image_size=16", "trainer.max_epochs=1"]


class PicklePayload:
    """Unpickling this runs `touch marker` (what `weights_only=True` must stop)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def payloads(marker: Path) -> dict[str, dict]:
    """Config nodes whose instantiation writes `marker`. Hydra's own blocklist stops the first
    three; the last three get past it (the control test shows them writing the marker)."""
    return {
        "os.system": {"_target_": "os.system", "_args_": [f"touch {marker}"]},
        "exec": {"_target_": "builtins.exec", "_args_": [f"open({str(marker)!r}, 'w').close()"]},
        "interpolated": {"_target_": "${oc.env:GENLAB_TEST_TARGET}", "_args_": [f"touch {marker}"]},
        "open": {"_target_": "builtins.open", "_args_": [str(marker), "w"]},
        "touch": {"_target_": "pathlib.Path.touch", "_args_": [str(marker)]},
        # through genlab's own namespace: a prefix check on "genlab." would let this through
        "alias": {"_target_": "genlab.checkpoint.torch.save", "_args_": [{}, str(marker)]},
    }


PAST_HYDRA = ("open", "touch", "alias")


@pytest.fixture(scope="module")
def vae_ckpt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vae")
    fit(["model=vae", *SMALL], out)
    return out / "checkpoints" / "last.ckpt"


@pytest.fixture
def marker(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GENLAB_TEST_TARGET", "os.system")
    return tmp_path / "MARKER"


def crafted(source: Path, tmp_path: Path, key_path: tuple[str, ...], node: dict, name: str = "crafted.ckpt") -> Path:
    """A copy of a real checkpoint whose stored config has `node` at `key_path`."""
    checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    config = copy.deepcopy(checkpoint["genlab"]["config"])
    parent = config
    for key in key_path[:-1]:
        parent = parent[key]
    parent[key_path[-1]] = node
    checkpoint["genlab"]["config"] = config
    path = tmp_path / name
    torch.save(checkpoint, path)
    return path


@pytest.mark.parametrize(
    ("where", "payload"),
    [
        (("model",), "open"),
        (("model", "net"), "exec"),
        (("model", "optimizer"), "alias"),
        (("dataset",), "interpolated"),
        (("dataset",), "touch"),
        (("model",), "os.system"),
    ],
)
def test_sample_refuses_foreign_targets_in_a_checkpoint(vae_ckpt, tmp_path, marker, where, payload):
    ckpt = crafted(vae_ckpt, tmp_path, where, payloads(marker)[payload])
    with pytest.raises(GenlabError, match=r"is not one of genlab's own targets.*trust_config=true"):
        sample(compose_command("sample", [f"ckpt={ckpt}", f"out={tmp_path / 'grid.png'}"]))
    assert not marker.exists() and not (tmp_path / "grid.png").exists()


@pytest.mark.parametrize(("where", "payload"), [(("model",), "touch"), (("dataset",), "alias")])
def test_eval_refuses_foreign_targets_in_a_checkpoint(vae_ckpt, tmp_path, marker, where, payload):
    ckpt = crafted(vae_ckpt, tmp_path, where, payloads(marker)[payload])
    with pytest.raises(GenlabError, match="is not one of genlab's own targets"):
        evaluate(compose_command("eval", [f"ckpt={ckpt}", "classifier=unused"]))
    assert not marker.exists()


@pytest.mark.slow
def test_a_crafted_classifier_is_refused_by_eval_and_by_training_with_evaluation(
    vae_ckpt, classifier_ckpt, tmp_path, marker
):
    classifier = crafted(Path(classifier_ckpt), tmp_path, ("model",), payloads(marker)["open"])
    with pytest.raises(GenlabError, match=r"classifier=.*is not one of genlab's own targets"):
        evaluate(compose_command("eval", [f"ckpt={vae_ckpt}", f"classifier={classifier}", "n=50"]))
    overrides = [*QUIET, "model=vae", *SMALL, "evaluation=domain", f"callbacks.metrics.classifier={classifier}"]
    run = assemble(compose_train(overrides, tmp_path / "run"))
    with pytest.raises(GenlabError, match=r"classifier=.*is not one of genlab's own targets"):
        run.trainer.fit(run.model, datamodule=run.datamodule)
    assert not marker.exists()


def test_pickle_payloads_are_refused_wherever_a_checkpoint_is_read(vae_ckpt, tmp_path, marker):
    poisoned = tmp_path / "pickled.ckpt"
    torch.save({"state_dict": {}, "genlab": PicklePayload(marker)}, poisoned)
    unreadable = r"is not a readable checkpoint"
    with pytest.raises(GenlabError, match=unreadable):
        sample(compose_command("sample", [f"ckpt={poisoned}"]))
    with pytest.raises(GenlabError, match=unreadable):
        evaluate(compose_command("eval", [f"ckpt={poisoned}"]))
    with pytest.raises(GenlabError, match=unreadable):
        evaluate(compose_command("eval", [f"ckpt={vae_ckpt}", f"classifier={poisoned}", "n=50"]))
    with pytest.raises(GenlabError, match=unreadable):
        assemble(compose_train([*QUIET, "model=vae", *SMALL, f"ckpt_path={poisoned}"], tmp_path / "run"))
    assert not marker.exists()


def poisoned_run(vae_ckpt: Path, tmp_path: Path, change) -> Path:
    """A run directory (its checkpoint and config) whose `.hydra/config.yaml` was altered by `change`."""
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / ".hydra").mkdir()
    (run / "checkpoints" / "last.ckpt").write_bytes(vae_ckpt.read_bytes())
    config = torch.load(vae_ckpt, map_location="cpu", weights_only=True)["genlab"]["config"]
    change(config)
    (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config))
    return run


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("model", "model._target_='genlab.checkpoint.torch.save' is not one of genlab's own targets"),
        ("callback", "callbacks.evil._target_='builtins.open' is not one of genlab's own targets"),
        ("hydra", "holds a 'hydra' section"),
        ("defaults", "holds a 'defaults' section"),
    ],
)
def test_resume_refuses_a_poisoned_run_directory(vae_ckpt, tmp_path, marker, case, message):
    node = payloads(marker)["alias" if case != "callback" else "open"]
    changes = {
        "model": lambda c: c.update(model=node),
        "callback": lambda c: c["callbacks"].update(evil=node),
        "hydra": lambda c: c.update(hydra={"job_logging": {"handlers": {"h": {"()": "os.system"}}}}),
        "defaults": lambda c: c.update(defaults=["evil"]),
    }
    run = poisoned_run(vae_ckpt, tmp_path, changes[case])
    with pytest.raises(GenlabError, match=message):
        resume_args(str(run), ["trainer.max_epochs=2"])
    assert not marker.exists()


@pytest.mark.parametrize("payload", PAST_HYDRA)
def test_the_payloads_are_live_once_trusted(vae_ckpt, tmp_path, marker, payload):
    """The control: Hydra's blocklist lets these through, so the refusals above are what stops them."""
    ckpt = crafted(vae_ckpt, tmp_path, ("model",), payloads(marker)[payload])
    with pytest.raises(Exception):  # noqa: B017 — what the payload returns is no model
        sample(compose_command("sample", [f"ckpt={ckpt}", "trust_config=true"]))
    assert marker.exists()


@pytest.mark.slow
def test_the_cli_refuses_in_one_line_and_writes_nothing(vae_ckpt, tmp_path, marker):
    ckpt = crafted(vae_ckpt, tmp_path, ("model", "net"), payloads(marker)["touch"])
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli("sample", f"ckpt={ckpt}", cwd=tmp_path, extra_env={"GENLAB_TEST_TARGET": "os.system"})
    assert result.returncode == 2 and not marker.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genlab: error: ckpt=") and "model.net._target_" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_pickle_payload_in_the_inception_weights_is_refused(tmp_path, marker):
    weights = tmp_path / "weights-inception-2015-12-05-6726825d.pth"
    torch.save({"fc.weight": PicklePayload(marker)}, weights)
    with pytest.raises(GenlabError, match="is not a plain weights file"):
        inception_extractor(weights=str(weights))
    assert not marker.exists()


def test_a_pickle_payload_or_a_foreign_file_as_lpips_vgg_weights_is_refused(tmp_path, marker, monkeypatch):
    """torchvision unpickles the cached VGG16 file without weights_only; genlab checks it first."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    cached = tmp_path / "checkpoints" / VGG16_FILE
    cached.parent.mkdir()
    inception = Extractor("inception", torch.nn.Identity(), lambda x: (x, x), 2048, "", "antialias", None)
    torch.save({"features.0.weight": PicklePayload(marker)}, cached)
    with pytest.raises(GenlabError, match="is not a plain weights file"):
        similarity(inception)
    torch.save({"features.0.weight": torch.zeros(1)}, cached)
    with pytest.raises(GenlabError, match=r"its SHA-256 begins [0-9a-f]{8}, the published vgg16-397923af.pth's"):
        similarity(inception)
    assert not marker.exists()


def test_resume_reads_trust_config_as_hydra_would():
    assert trusts_configs(["trainer.max_epochs=2", "trust_config=True"])
    assert not trusts_configs(["trust_config=false"]) and not trusts_configs(["model=vae"])


# --- the inventory of places that read files from elsewhere (docs/reliability.md) -------------

LOADERS = {"read_checkpoint", "read_run_config", "read_tensors", "download_weights"}
RAW_READERS = {
    "torch.load",
    "torch.hub.load",
    "torch.hub.load_state_dict_from_url",
    "load_state_dict_from_url",
    "OmegaConf.load",
    "yaml.load",
    "yaml.safe_load",
    "yaml.full_load",
    "yaml.unsafe_load",
    "pickle.load",
    "pickle.loads",
    "np.load",
    "numpy.load",
}
BUILDERS = {"genlab/run/train.py", "genlab/checkpoint.py"}  # `instantiate` of checked configs only
ROOT = Path(__file__).resolve().parent.parent


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def calls_in_genlab() -> list[tuple[str, str, str, ast.Call]]:
    """(file, enclosing function's qualified name, called name, call) of every call in genlab."""
    found = []

    def visit(node: ast.AST, scope: list[str], relative: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = [*scope, child.name] if isinstance(child, ast.FunctionDef | ast.ClassDef) else scope
            if isinstance(child, ast.Call):
                found.append((relative, ".".join(scope), dotted(child.func), child))
            visit(child, inner, relative)

    for path in sorted((ROOT / "genlab").rglob("*.py")):
        visit(ast.parse(path.read_text()), [], str(path.relative_to(ROOT)))
    return found


def test_files_from_elsewhere_are_read_only_through_the_loaders():
    calls = calls_in_genlab()
    raw = [(file, name) for file, _, name, _ in calls if name in RAW_READERS]
    assert {file for file, _ in raw} <= {"genlab/trust.py"}, raw
    assert {file for file, _, name, _ in calls if name.split(".")[-1] == "instantiate"} <= BUILDERS
    for _, where, name, call in calls:
        keywords = {k.arg: k.value for k in call.keywords}
        if name.endswith(".fit") and "ckpt_path" in keywords:
            assert getattr(keywords.get("weights_only"), "value", None) is True, f"{where}: fit(ckpt_path=…)"


def test_every_place_that_reads_a_file_from_elsewhere_is_in_the_documented_inventory():
    def reads(name: str, call: ast.Call) -> bool:
        resumes = name.endswith(".fit") and any(k.arg == "ckpt_path" for k in call.keywords)
        return name.split(".")[-1] in LOADERS or resumes

    loading_path = ("genlab/trust.py", "genlab/checkpoint.py")
    readers = {f"{f}:{at}" for f, at, name, call in calls_in_genlab() if f not in loading_path and reads(name, call)}
    rows = re.findall(r"^\| `(genlab/[\w/]+\.py:[\w.]+)` \|", (ROOT / "docs" / "reliability.md").read_text(), re.M)
    assert readers == set(rows), f"undocumented: {readers - set(rows)}; stale rows: {set(rows) - readers}"


HIDDEN = {
    "create": "${oc.create:{_target_: pathlib.Path.touch, _args_: [MARKER]}}",
    "decode": "${oc.decode:'{_target_: pathlib.Path.touch, _args_: [MARKER]}'}",
    "in a default": "${oc.env:GENLAB_NOPE,${oc.create:{_target_: pathlib.Path.touch, _args_: [MARKER]}}}",
    "in quotes": "${oc.select:nope,'${oc.create:{_target_: pathlib.Path.touch, _args_: [MARKER]}}'}",
    "escaped": "\\${oc.create:{_target_: pathlib.Path.touch, _args_: [MARKER]}}",
}


@pytest.mark.parametrize("how", sorted(HIDDEN))
def test_a_target_hidden_in_an_interpolation_is_refused_in_a_checkpoint_and_in_a_run_directory(
    vae_ckpt, tmp_path, marker, how
):
    """The hole of issue 26: such a value passed the allowlist (no `_target_` key in the file) and
    became a built node when Hydra's instantiate resolved the config."""
    value = HIDDEN[how].replace("MARKER", str(marker))
    ckpt = crafted(vae_ckpt, tmp_path, ("model", "net", "widths"), value)
    with pytest.raises(GenlabError, match=r"ckpt=.*: model\.net\.widths holds the .*trust_config=true"):
        sample(compose_command("sample", [f"ckpt={ckpt}"]))
    run = poisoned_run(vae_ckpt, tmp_path, lambda c: c["model"]["net"].update(widths=value))
    with pytest.raises(GenlabError, match=r"resume=.*: model\.net\.widths (calls the resolver oc\.|holds the escaped)"):
        resume_args(str(run), [])
    assert not marker.exists()


def test_a_node_that_an_allowed_resolver_hands_back_is_refused_as_it_would_be_built(vae_ckpt, tmp_path):
    """`hydra:` is allowed in a run's config, but `${hydra:launcher}` resolves into a node with a
    target: the check of the resolved config in `genlab train` refuses it before anything is built."""
    run = poisoned_run(vae_ckpt, tmp_path, lambda c: c["model"].update(net="${hydra:launcher}"))
    for made in (".lock", "train.log"):
        (run / made).touch()
    before = sorted(str(p) for p in run.rglob("*"))
    # past the run's own limit: a complete run ends before its config is resolved or built
    status, stderr = cli_in_process(["train", f"resume={run}", "trainer.max_epochs=5"])
    assert status == 2
    line = stderr.strip()
    assert line.startswith("genlab: error: the config in ") and "model.net._target_='hydra." in line, line
    assert sorted(str(p) for p in run.rglob("*")) == before and (run / "train.log").read_text() == ""


def test_resume_refuses_a_run_config_that_is_not_the_one_the_checkpoint_was_trained_under(tmp_path):
    """The checkpoint records the SHA-256 of `.hydra/config.yaml`: a truncated or edited copy (here
    one changed value, a harmless-looking edit) is refused; trust_config=true accepts your own edit."""
    run = saved_run(tmp_path)
    config = run / ".hydra" / "config.yaml"
    config.write_text(config.read_text().replace("max_steps: 30", "max_steps: 31"))
    with pytest.raises(GenlabError, match=r"is not the config last\.ckpt was trained under .*trust_config=true"):
        resume_args(str(run), [])
    assert any(arg.startswith("ckpt_path=") for arg in resume_args(str(run), ["trust_config=true"]))


@pytest.mark.parametrize("option", ["classifier", "model.content.classifier", "purity classifier"])
def test_every_option_taking_a_classifier_refuses_another_models_checkpoint_in_one_line(vae_ckpt, option):
    """All three read through `read_classifier`: one check, one message, whichever option."""
    from genlab.metrics.extractors import domain_extractor
    from genlab.objectives.content import ClassifierContent
    from genlab.run.purity import load_classifier

    read = {
        "classifier": lambda: domain_extractor(str(vae_ckpt), "digits"),
        "model.content.classifier": lambda: ClassifierContent(str(vae_ckpt), [1, 16, 16]).load(),
        "purity classifier": lambda: load_classifier(str(vae_ckpt), False, torch.device("cpu")),
    }[option]
    with pytest.raises(GenlabError, match=r"classifier=\S+ holds a 'vae' model, not a classifier; train one with") as e:
        read()
    assert "\n" not in str(e.value)
