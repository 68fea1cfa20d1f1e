"""`genlab translate`: a folder of the user's PNGs through a translator checkpoint, one output per
input, and the one-line refusals of images the network cannot take."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from genlab.checkpoint import read_checkpoint, rebuild_model
from genlab.errors import GenlabError
from genlab.run.evaluate import evaluate
from genlab.run.translate import translate
from tests.conftest import cli_in_process, compose_command, fit, run_cli

TINY_PIX2PIX = [
    "model=pix2pix",
    "dataset.image_size=16",
    "model.generator.width=4",
    "model.discriminator.width=4",
    "model.discriminator.layers=1",
    "trainer.max_steps=2",
]


@pytest.fixture(scope="module")
def pix2pix_ckpt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pix2pix")
    fit(TINY_PIX2PIX, out)
    return out / "checkpoints" / "last.ckpt"


def write_images(folder: Path, n: int, side: int = 16, mode: str = "L") -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        path = folder / ("nested" if i % 2 else "") / f"edge_{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        shape = (side, side) if mode == "L" else (side, side, 3)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(path)
        paths.append(path)
    return paths


def run_translate(ckpt: Path, *overrides: str) -> Path:
    return translate(compose_command("translate", [f"ckpt={ckpt}", *overrides]))


def test_a_folder_of_pngs_gives_one_translation_per_image(pix2pix_ckpt, tmp_path):
    images = write_images(tmp_path / "edges", 5)
    out = run_translate(pix2pix_ckpt, f"input={tmp_path / 'edges'}", "batch_size=2")
    assert out == pix2pix_ckpt.parent.parent / "translations" / "edges_AtoB"
    written = sorted(p.relative_to(out) for p in out.rglob("*.png"))
    assert written == sorted(p.relative_to(tmp_path / "edges") for p in images)
    model = rebuild_model(read_checkpoint(pix2pix_ckpt)).eval()
    x = torch.as_tensor(np.array(Image.open(images[1])), dtype=torch.float32)[None, None] / 255
    with torch.no_grad():
        expected = (model.translate(x)[0, 0] * 255).round()
    actual = torch.as_tensor(np.array(Image.open(out / "nested" / "edge_1.png").convert("L")), dtype=torch.float32)
    assert (actual - expected).abs().max() <= 1


def test_images_the_network_cannot_take_are_refused_before_anything_is_written(pix2pix_ckpt, tmp_path):
    write_images(tmp_path / "big", 1, side=24)
    out = tmp_path / "out"
    with pytest.raises(GenlabError, match=r"edge_0\.png is 24×24 but the model was trained on 16×16 .* resize=true"):
        run_translate(pix2pix_ckpt, f"input={tmp_path / 'big'}", f"out={out}")
    assert not out.exists()
    run_translate(pix2pix_ckpt, f"input={tmp_path / 'big' / 'edge_0.png'}", f"out={out}", "resize=true")
    assert Image.open(out / "edge_0.png").size == (16, 16)
    write_images(tmp_path / "rgb", 1, mode="RGB")
    with pytest.raises(GenlabError, match=r"is a RGB image \(RGB\) but the model translates grey images .* convert"):
        run_translate(pix2pix_ckpt, f"input={tmp_path / 'rgb'}")
    with pytest.raises(GenlabError, match="direction=BtoA: model 'pix2pix' translates AtoB only"):
        run_translate(pix2pix_ckpt, f"input={tmp_path / 'big'}", "direction=BtoA")


def test_cyclegan_translates_either_way(tmp_path):
    small = ["model.generator.width=4", "model.generator.blocks=1", "model.discriminator.layers=1"]
    fit(["model=cyclegan", "dataset.image_size=16", *small, "trainer.max_steps=2"], tmp_path / "run")
    write_images(tmp_path / "inverted", 2)
    ckpt = tmp_path / "run" / "checkpoints" / "last.ckpt"
    out = run_translate(ckpt, f"input={tmp_path / 'inverted'}", "direction=BtoA")
    assert out.name == "inverted_BtoA" and len(list(out.rglob("*.png"))) == 2


def test_translate_arguments_are_refused_in_one_line_before_torch_loads(tmp_path):
    missing = run_cli("translate", f"ckpt={tmp_path / 'x.ckpt'}", f"input={tmp_path / 'nowhere'}", cwd=tmp_path)
    assert missing.returncode != 0
    expected = f"genlab: error: input={tmp_path / 'nowhere'}: no such file or folder"
    assert missing.stderr.strip().splitlines() == [expected]


@pytest.mark.slow
def test_genlab_translate_from_the_command_line(pix2pix_ckpt, tmp_path):
    write_images(tmp_path / "edges", 3)
    paths = [f"ckpt={pix2pix_ckpt}", f"input={tmp_path / 'edges'}", f"out={tmp_path / 'o'}"]
    done = run_cli("translate", *paths, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "genlab translate" in done.stderr and "3/3" in done.stderr, "a progress bar"
    assert len(list((tmp_path / "o").rglob("*.png"))) == 3


def test_genlab_eval_scores_translations_against_the_target_domain(pix2pix_ckpt, classifier_ckpt, tmp_path, capsys):
    args = [f"ckpt={pix2pix_ckpt}", f"classifier={classifier_ckpt}", "split=val", "n=100", f"out={tmp_path / 'r.json'}"]
    args.append(f"cache_dir={tmp_path / 'cache'}")
    report = json.loads(
        evaluate(compose_command("eval", [*args, "metrics=[fid,kid]", "kid_subset_size=50"])).read_text()
    )
    names = [r["name"] for r in report["records"]]
    assert names == ["fid[digits-classifier]", "kid[digits-classifier]"]
    protocol = report["records"][0]["protocol"]
    assert protocol["generator"] == "translate AtoB" and protocol["reference"] == "edges2digits/val targets (digits)"
    assert "genlab eval: translating AtoB: 100%" in capsys.readouterr().err.split("\r")[-1]
    with pytest.raises(GenlabError, match=r"metrics=is: translators are scored by fid and kid"):
        evaluate(compose_command("eval", [*args, "metrics=[is]"]))


def test_a_translator_checkpoint_from_before_the_image_pair_part_still_translates(pix2pix_ckpt, tmp_path):
    """Checkpoints written before `pair` stored `data_shape` and `source_shape` in the model's config."""
    checkpoint = torch.load(pix2pix_ckpt, weights_only=False)
    model = checkpoint["genlab"]["config"]["model"]
    pair = model.pop("pair")
    model.update(data_shape=pair["target"], source_shape=pair["source"])
    torch.save(checkpoint, tmp_path / "old.ckpt")
    write_images(tmp_path / "in", 2)
    args = ["translate", f"ckpt={tmp_path / 'old.ckpt'}", f"input={tmp_path / 'in'}", f"out={tmp_path / 'out'}"]
    status, stderr = cli_in_process(args)
    assert status == 0, stderr
    assert len(list((tmp_path / "out").rglob("*.png"))) == 2
