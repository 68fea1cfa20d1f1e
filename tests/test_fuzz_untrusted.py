"""No file genlab reads from elsewhere runs code, proven by fuzzing (Hypothesis): hundreds of hostile
or damaged checkpoints and run-directory configs (`tests/fuzz_untrusted.py` makes them from a real
run's files) go through the real CLI in-process — `genlab sample|eval|explore|translate|export
ckpt=…`, `genlab train ckpt_path=…` and `genlab train resume=RUN` — and for each one: exit status
2, exactly one `genlab: error:` line on stderr, no traceback, no marker file, the canary module
never imported, and not a byte changed or added under the world's folder.

The cases are derandomised (the same ones on every CI run); `scripts/fuzz_untrusted.py` runs many
more with fresh seeds. GENLAB_FUZZ_EXAMPLES scales both.
"""

import io
import os
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from genlab.digest import file_sha256
from tests.conftest import QUIET, cli_in_process, compose_train, fit
from tests.fuzz_untrusted import CANARY, World, canary_source, checkpoint_cases, run_config_cases, torch_bytes

EXAMPLES = int(os.environ.get("GENLAB_FUZZ_EXAMPLES", "0"))


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=EXAMPLES or examples,
        deadline=None,
        derandomize=not os.environ.get("GENLAB_FUZZ_RANDOM"),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


TINY_VAE = ["model=vae", "dataset.image_size=8", "model.net.widths=[4,8]", "model.latent_dim=2", "trainer.max_steps=2"]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("fuzz")
    marker = root / "MARKER"
    (root / "canary").mkdir()
    (root / "canary" / f"{CANARY}.py").write_text(canary_source(marker))
    sys.path.insert(0, str(root / "canary"))
    run = root / "run"
    cfg = compose_train([*QUIET, *TINY_VAE], run)
    (run / ".hydra").mkdir(parents=True)
    OmegaConf.save(cfg, run / ".hydra" / "config.yaml")
    fit(TINY_VAE, run)
    for made in (".lock", "train.log"):  # as `genlab train` leaves a run directory
        (run / made).touch()
    (root / "images").mkdir()
    (root / "images" / "a.png").write_bytes((root / "canary" / f"{CANARY}.py").read_bytes())
    yield World(
        root,
        run,
        marker,
        (run / "checkpoints" / "last.ckpt").read_bytes(),
        (run / ".hydra" / "config.yaml").read_text(),
    )
    sys.path.remove(str(root / "canary"))


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` (size, mtime) and every folder: what a refusal must leave as it was."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else (-1, 0)
        for p in root.rglob("*")
        if "__pycache__" not in p.parts
    }


def assert_refused(world: World, args: list[str], before: dict) -> str:
    status, stderr = cli_in_process(args)
    lines = stderr.strip().splitlines()
    assert status == 2, (args, stderr[-3000:])
    assert len(lines) == 1 and lines[0].startswith("genlab: error: "), stderr[-3000:]
    assert "Traceback" not in stderr
    assert not world.marker.exists(), f"the payload ran: {args}"
    assert CANARY not in sys.modules, f"the canary module was imported: {args}"
    assert snapshot(world.root) == before, f"files changed: {args}"
    return lines[0]


def same_members(data: bytes, original: bytes) -> bool:
    """Whether an archive that passes its own checks holds exactly the original's members: then a
    flipped bit hit bytes no reader uses (a time stamp, alignment padding) and the file is intact."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as mutated, zipfile.ZipFile(io.BytesIO(original)) as source:
            if mutated.testzip() is not None or mutated.namelist() != source.namelist():
                return False
            return all(mutated.read(n) == source.read(n) for n in source.namelist())
    except Exception:
        return False


COMMANDS = {
    "sample": lambda ckpt, world: ["sample", f"ckpt={ckpt}", "n=4"],
    "eval": lambda ckpt, world: ["eval", f"ckpt={ckpt}", "n=8", "metrics=[fid]"],
    "explore": lambda ckpt, world: ["explore", f"ckpt={ckpt}", "what=traversal"],
    "translate": lambda ckpt, world: ["translate", f"ckpt={ckpt}", f"input={world.root / 'images'}"],
    "export": lambda ckpt, world: ["export", f"ckpt={ckpt}"],
    "resume": lambda ckpt, world: ["train", f"resume={world.run}"],
    "ckpt_path": lambda ckpt, world: [
        "train",
        *QUIET,
        *TINY_VAE,
        f"ckpt_path={ckpt}",
        f"paths.output_root={world.root / 'outputs'}",
    ],
    "classifier": lambda ckpt, world: [
        "eval",
        f"ckpt={world.run / 'checkpoints' / 'last.ckpt'}",
        "extractor=domain",
        f"classifier={ckpt}",
        "n=8",
    ],
}


@pytest.mark.slow
@fuzz_settings(200)
@given(data=st.data())
def test_no_hostile_or_damaged_checkpoint_runs_code_or_writes(world, data):
    kind, contents = data.draw(checkpoint_cases(world), label="case")
    command = data.draw(st.sampled_from(sorted(COMMANDS)), label="command")
    if kind == "bit flip" and same_members(contents, world.checkpoint):
        event("checkpoint: bit flip in bytes nothing reads (intact, not run)")
        return  # the flip hit bytes nothing reads: the same checkpoint, not a case
    event(f"checkpoint: {kind}")
    event(f"command: {command}")
    ckpt = world.run / "checkpoints" / ("last.ckpt" if command == "resume" else "fuzzed.ckpt")
    saved = ckpt.read_bytes() if ckpt.exists() else None
    ckpt.write_bytes(contents)
    try:
        before = snapshot(world.root)
        assert_refused(world, COMMANDS[command](ckpt, world), before)
    finally:
        ckpt.write_bytes(saved) if saved is not None else ckpt.unlink()


@pytest.mark.slow
@fuzz_settings(150)
@given(data=st.data())
def test_no_hostile_or_damaged_run_config_runs_code_or_writes(world, data):
    kind, contents, fingerprinted = data.draw(run_config_cases(world), label="case")
    event(f"run config: {kind}")
    config = world.run / ".hydra" / "config.yaml"
    last = world.run / "checkpoints" / "last.ckpt"
    try:
        config.write_bytes(contents if isinstance(contents, bytes) else contents.encode())
        if fingerprinted:  # the attacker rewrites the checkpoint's fingerprint of the file too
            checkpoint = world.loaded
            checkpoint["genlab"]["run_config_sha256"] = file_sha256(config)
            last.write_bytes(torch_bytes(checkpoint))
        before = snapshot(world.root)
        assert_refused(world, ["train", f"resume={world.run}"], before)
    finally:
        config.write_text(world.run_config)
        last.write_bytes(world.checkpoint)


def test_the_world_is_live(world, tmp_path):
    """The control: genlab's own files pass (sample writes its grid), and the canary and marker work,
    so the refusals above are refusals of the payloads."""
    status, stderr = cli_in_process(
        ["sample", f"ckpt={world.run / 'checkpoints' / 'last.ckpt'}", "n=4", f"out={tmp_path / 'grid.png'}"]
    )
    assert status == 0 and (tmp_path / "grid.png").is_file(), stderr
    recorded = yaml.safe_load(world.run_config)
    assert recorded["model"]["_target_"] == "genlab.models.vae.VAE"
    assert world.loaded["genlab"]["run_config_sha256"] == file_sha256(world.run / ".hydra" / "config.yaml")
    import importlib

    importlib.import_module(CANARY)
    assert world.marker.exists()
    world.marker.unlink()
    del sys.modules[CANARY]
