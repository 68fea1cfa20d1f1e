"""The translators' folder datasets in their public layouts (pix2pix's A|B pairs, CycleGAN's
trainA/…/testB), their layout errors, and augmentation that keeps pairs aligned."""

from pathlib import Path

import numpy as np
import pytest
import torch
from hydra.utils import instantiate
from PIL import Image

from genlab.data.jitter import jitter
from genlab.errors import GenlabError
from genlab.run.train import assemble
from tests.conftest import compose_train, fit


def write_pairs(folder: Path, n: int, side: int = 16) -> None:
    """A|B files whose left half is dark with a bright column at x = i and whose right half is its inverse."""
    folder.mkdir(parents=True)
    for i in range(n):
        a = np.full((side, side, 3), 20, np.uint8)
        a[:, i % side] = 240
        Image.fromarray(np.concatenate([a, 255 - a], axis=1)).save(folder / f"{i}.png")


def write_domain(folder: Path, n: int, value: int, side: int = 16) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(np.full((side, side, 3), value, np.uint8)).save(folder / f"{i}.jpg")


def paired(root: Path, *extra: str) -> list[str]:
    return ["dataset=paired_folder", f"dataset.root={root}", "dataset.image_size=16", "dataset.batch_size=4", *extra]


def data(overrides: list[str], tmp_path: Path):
    module = instantiate(compose_train(["model=pix2pix", *overrides], tmp_path / "run").dataset)
    module.setup("fit")
    return module


def test_a_paired_folder_yields_target_and_source_halves_in_either_direction(tmp_path):
    write_pairs(tmp_path / "facades" / "train", 8)
    write_pairs(tmp_path / "facades" / "test", 2)
    forward = data(paired(tmp_path / "facades", "dataset.num_workers=0"), tmp_path)
    target, source = forward.train_set[3]
    assert target.shape == source.shape == (3, 16, 16) and len(forward.val_set) == 2, "test/ serves as val/"
    assert source[0, 0, 3] > 0.9 and source[0, 0, 4] < 0.1, "AtoB: the source is the left half"
    torch.testing.assert_close(target, 1 - source, atol=0.01, rtol=0)
    backward = data(paired(tmp_path / "facades", "dataset.num_workers=0", "dataset.direction=BtoA"), tmp_path)
    torch.testing.assert_close(backward.train_set[3][1], target)


def test_paired_folder_layout_errors_name_the_folder_and_the_file(tmp_path):
    root = tmp_path / "maps"
    write_pairs(root / "val", 2)
    with pytest.raises(GenlabError, match=r"has no train/ folder of images; pix2pix's layout is train/ and val/"):
        data(paired(root), tmp_path)
    Image.new("RGB", (16, 16)).save(root / "val" / "single.png")
    write_pairs(root / "train", 4)
    single = data(paired(root, "dataset.num_workers=0"), tmp_path).val_set
    with pytest.raises(GenlabError, match=r"single\.png is corrupt \(is 16×16, not a pair"):
        single[len(single) - 1]


def test_an_unpaired_folder_names_a_missing_domain_folder(tmp_path):
    root = tmp_path / "horse2zebra"
    for name, value in (("trainA", 0), ("testA", 0), ("testB", 255)):
        write_domain(root / name, 3, value)
    cyclegan = ["model=cyclegan", "dataset=unpaired_folder", f"dataset.root={root}", "dataset.image_size=16"]
    with pytest.raises(GenlabError, match=r"horse2zebra has no trainB/ folder of images; CycleGAN's layout is trainA/"):
        instantiate(compose_train(cyclegan, tmp_path / "run").dataset).setup("fit")
    write_domain(root / "trainB", 5, 255)
    module = instantiate(compose_train([*cyclegan, "dataset.direction=BtoA"], tmp_path / "run").dataset)
    module.setup("fit")
    target, source = module.train_set[0]
    assert len(module.train_set) == 5 and source.min() > 0.99 and target.max() < 0.01, "BtoA: B is the source"


def test_jitter_moves_both_sides_of_a_pair_alike_and_unpaired_sides_apart():
    torch.manual_seed(0)
    x = torch.rand(64, 1, 8, 8)
    target, source = jitter([x, x.clone()], load_size=12, flip=True, shared=True)
    assert target.shape == (64, 1, 8, 8) and torch.equal(target, source)
    a, b = jitter([x, x.clone()], load_size=12, flip=True, shared=False)
    assert not torch.equal(a, b)
    flipped = jitter([x], load_size=None, flip=True, shared=True)[0]
    same = (flipped == x).flatten(1).all(1)
    assert torch.equal(same | (flipped == x.flip(-1)).flatten(1).all(1), torch.ones(64, dtype=torch.bool))
    assert 16 < int(same.sum()) < 48, "about half are flipped"


def test_pix2pix_trains_on_a_paired_folder_with_jitter(tmp_path):
    write_pairs(tmp_path / "pairs" / "train", 8)
    write_pairs(tmp_path / "pairs" / "val", 4)
    small = ["model.generator.width=4", "model.discriminator.width=4", "model.discriminator.layers=1"]
    jittered = ["dataset.load_size=20", "dataset.hflip=true", "dataset.num_workers=0", "trainer.max_epochs=1"]
    run = fit(["model=pix2pix", *small, *paired(tmp_path / "pairs", *jittered)], tmp_path / "run")
    assert run.model.g_steps == 2 and "val/l1" in run.trainer.callback_metrics
    with pytest.raises(GenlabError, match=r"dataset\.load_size=8 is smaller than dataset\.image_size=16"):
        assemble(compose_train(["model=pix2pix", *small, *paired(tmp_path / "pairs", "dataset.load_size=8")], tmp_path))
