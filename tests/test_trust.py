"""Files from elsewhere never run code: crafted checkpoints, classifier checkpoints and run
directories, fed to every entry point that reads them, are refused and their marker file never
appears. One control shows the payloads are live: with `trust_config=true` the marker is written."""

import copy
import os
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
from tests.conftest import QUIET, compose_command, compose_train, fit, run_cli

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
