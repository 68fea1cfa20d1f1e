"""The built wheel carries every subpackage and the config tree, and its CLI works from any
directory in a fresh virtualenv (installed without dependencies: `genlab list` needs none)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_and_lists_models_from_a_temporary_directory(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "Warning" not in build.stdout + build.stderr, "setuptools warns while building the wheel"
    (wheel,) = (tmp_path / "dist").glob("genlab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "genlab").rglob("__init__.py")}
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"setuptools' discovery missed {missing}"
    shipped = {p.relative_to(ROOT / "configs").as_posix() for p in (ROOT / "configs").rglob("*.yaml")}
    assert {n.removeprefix("genlab/configs/") for n in names if n.startswith("genlab/configs/")} >= shipped

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [venv / "bin" / "genlab", "list", "model"], cwd=elsewhere, capture_output=True, text=True, check=True
    )
    assert "beta_vae" in result.stdout and "contractive_ae" in result.stdout
