"""Datasets: embedded ones load offline, real ones load from local files or fail clearly."""

import gzip
import os
import struct
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, Subset, default_collate

from genlab.data.digits import DigitsDataModule
from genlab.data.image_folder import ImageFolderDataModule
from genlab.data.mnist_like import MnistLikeDataModule
from genlab.data.sampler import EpochShuffleSampler
from genlab.data.shapes import ShapesDataModule
from genlab.data.toy2d import Toy2dDataModule
from genlab.errors import GenlabError
from genlab.run.resolvers import loader_workers
from tests.conftest import compose_train


def test_digits_are_real_images_in_unit_range():
    dm = DigitsDataModule(name="digits", shape=(1, 16, 16), image_size=16, batch_size=32, seed=0)
    dm.setup()
    assert len(dm.train_set) + len(dm.val_set) == 1797
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (32, 1, 16, 16) and x.min() >= 0 and x.max() <= 1
    assert set(y.tolist()) <= set(range(10))


def test_dynamic_binarisation_draws_each_training_batch_anew_and_validation_once():
    dm = DigitsDataModule(name="digits", shape=(1, 16, 16), image_size=16, batch_size=512, binarize="dynamic")
    dm.setup()
    dm.trainer = SimpleNamespace(training=True)
    x, y = next(iter(dm.train_dataloader()))
    torch.manual_seed(0)
    draws = torch.stack([dm.on_after_batch_transfer([x, y], 0)[0] for _ in range(200)])
    assert set(draws.unique().tolist()) == {0.0, 1.0}
    assert not torch.equal(draws[0], draws[1]), "a new binary image every batch"
    # 200 draws: σ ≤ 0.035 per pixel, so 0.2 is 5.6σ, which none of the 131 072 pixels should pass
    # (0.15, 4.2σ, was passed by about 3 of them on average: the test failed by the RNG's state)
    assert (draws.mean(0) - x).abs().max() < 0.2, "each pixel is Bernoulli(its intensity)"
    first, again = dm.val_set[3][0], dm.val_set[3][0]
    assert torch.equal(first, again) and set(first.unique().tolist()) <= {0.0, 1.0}, "validation drawn once"
    static = DigitsDataModule(name="digits", shape=(1, 16, 16), image_size=16, binarize="static")
    static.setup()
    grey = DigitsDataModule(name="digits", shape=(1, 16, 16), image_size=16)
    grey.setup()
    assert torch.equal(static.train_set[0][0], (grey.train_set[0][0] > 0.5).float())
    with pytest.raises(GenlabError, match=r"dataset\.binarize=random: use static"):
        DigitsDataModule(name="digits", shape=(1, 16, 16), binarize="random")


def test_a_batch_gathered_at_once_is_the_batch_read_example_by_example():
    dm = DigitsDataModule(name="digits", shape=(1, 16, 16), image_size=16, batch_size=32, seed=3)
    dm.setup()
    loader = dm.train_dataloader()
    indices = next(iter(loader.batch_sampler))
    x, y = next(iter(loader))
    by_example = default_collate([dm.train_set[i] for i in indices])
    assert torch.equal(x, by_example[0]) and torch.equal(y, by_example[1])
    # any other loader (evaluation's Subset, torch's default collate) reads the same examples
    x2, y2 = next(iter(DataLoader(Subset(dm.train_set, indices), batch_size=32)))
    assert torch.equal(x2, x) and torch.equal(y2, y)


def test_declared_shape_mismatch_is_reported_before_training():
    dm = DigitsDataModule(name="digits", shape=(3, 16, 16), image_size=16)
    with pytest.raises(GenlabError, match=r"yields 1×16×16 examples but its config declares shape \[3, 16, 16\]"):
        dm.setup()


def test_shapes_cover_every_factor_combination():
    dm = ShapesDataModule(name="shapes", shape=(1, 32, 32), n_scales=2, n_rotations=4, n_positions=3, seed=0)
    x, factors = dm.load_tensors()
    assert x.shape == (3 * 2 * 4 * 3 * 3, 1, 32, 32)
    assert len(torch.unique(factors, dim=0)) == len(factors)
    assert (x.flatten(1).sum(1) > 0).all(), "every shape is visible"
    # moving x by one position step moves the shape's centre of mass to the right
    xs = torch.arange(32).float()
    first = x[(factors[:, 3] == 0)].sum(dim=(1, 2)) @ xs / x[(factors[:, 3] == 0)].sum(dim=(1, 2, 3))
    last = x[(factors[:, 3] == 2)].sum(dim=(1, 2)) @ xs / x[(factors[:, 3] == 2)].sum(dim=(1, 2, 3))
    assert (last - first).min() > 5


def test_toy2d_points_sit_on_their_modes():
    dm = Toy2dDataModule(name="toy2d", shape=(2,), kind="8gaussians", n_samples=1000, seed=0)
    x, y = dm.load_tensors()
    assert (x - dm.modes[y]).norm(dim=1).max() < 0.2
    with pytest.raises(GenlabError, match="choose one of 8gaussians"):
        Toy2dDataModule(name="toy2d", shape=(2,), kind="moons")


def test_shuffle_depends_only_on_seed_and_epoch():
    a, b = EpochShuffleSampler(50, seed=1), EpochShuffleSampler(50, seed=1)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first and sorted(a) == list(range(50))
    b.set_epoch(1)
    assert list(a) == list(b)


def write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def fake_mnist(directory: Path, n_train: int = 40, n_test: int = 10, gz: bool = True) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    for split, n in (("train", n_train), ("t10k", n_test)):
        write_idx(directory / f"{split}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n, 28, 28)))
        write_idx(directory / f"{split}-labels-idx1-ubyte{suffix}", rng.integers(0, 10, (n,)))


def fake_celeba(data_dir: Path, n: int = 40, n_train: int = 30) -> None:
    """Random 178×218 JPEGs in the public aligned-CelebA layout, with its partition file."""
    images = data_dir / "celeba" / "img_align_celeba"
    images.mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        name = f"{i + 1:06d}.jpg"
        Image.fromarray(rng.integers(0, 255, (218, 178, 3), dtype=np.uint8)).save(images / name)
        lines.append(f"{name} {0 if i < n_train else 1}")
    (data_dir / "celeba" / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("layout", "gz"), [("FashionMNIST/raw", True), (".", True), ("FashionMNIST/raw", False)])
def test_local_raw_files_load_without_download(tmp_path, layout, gz):
    fake_mnist(tmp_path / layout, gz=gz)
    dm = MnistLikeDataModule(name="fashion_mnist", data_dir=str(tmp_path), shape=(1, 28, 28), batch_size=8)
    dm.prepare_data()
    dm.setup()
    assert len(dm.train_set) + len(dm.val_set) == 50
    x, _ = dm.train_set[0]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32 and x.max() <= 1


def test_missing_mnist_names_the_directory_and_the_command(tmp_path):
    dm = MnistLikeDataModule(name="mnist", data_dir=str(tmp_path / "nowhere"), shape=(1, 28, 28))
    with pytest.raises(GenlabError) as err:
        dm.setup()
    message = str(err.value)
    assert str((tmp_path / "nowhere").resolve()) in message
    assert f"genlab download mnist data_dir={(tmp_path / 'nowhere').resolve()}" in message


def test_failed_download_becomes_one_clear_error(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr("genlab.data.mnist_like._TORCHVISION", {"mnist": offline})
    dm = MnistLikeDataModule(name="mnist", data_dir=str(tmp_path), shape=(1, 28, 28), download=True)
    with pytest.raises(GenlabError) as err:
        dm.prepare_data()
    message = str(err.value)  # where the files must go instead, not the failing download again
    assert "could not be downloaded" in message and "(OSError: no network" in message
    assert "on a machine with network and copy" in message and "data_dir=" not in message


def test_genlab_download_names_what_it_fetches_and_fails_in_one_line_offline(tmp_path, monkeypatch, capsys):
    from genlab import cli
    from genlab.data import download

    def offline(data_dir):
        raise OSError("network is unreachable")

    monkeypatch.setitem(download.FETCHERS, "cifar10", offline)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["download", "cifar10", f"data_dir={tmp_path / 'data'}"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code == 2 and len(lines) == 1
    assert lines[0].startswith("genlab: error: dataset 'cifar10' could not be downloaded into ")
    with pytest.raises(SystemExit):
        cli.main(["download", "imagenet"])
    assert "NAME is one of mnist, fashion_mnist, cifar10, celeba" in capsys.readouterr().err
    monkeypatch.setitem(download.FETCHERS, "mnist", lambda data_dir: (data_dir / "MNIST").mkdir())
    assert cli.main(["download", "mnist", f"data_dir={tmp_path / 'm'}"]) == 0
    assert (tmp_path / "m" / "MNIST").is_dir() and "train with dataset=mnist" in capsys.readouterr().out


def test_image_folder_decodes_resizes_and_splits(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(12):
        (tmp_path / "imgs" / f"sub{i % 2}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (50, 40, 3), dtype=np.uint8)).save(
            tmp_path / "imgs" / f"sub{i % 2}" / f"{i}.png"
        )
    dm = ImageFolderDataModule(
        name="image_folder", root=str(tmp_path / "imgs"), shape=(1, 16, 16), channels=1, image_size=16, batch_size=4
    )
    dm.setup()
    assert len(dm.train_set) + len(dm.val_set) == 12
    x, _ = next(iter(dm.train_dataloader()))
    assert x.shape == (4, 1, 16, 16)


def test_missing_image_folder_is_a_clear_error(tmp_path):
    dm = ImageFolderDataModule(name="image_folder", root=str(tmp_path / "none"), shape=(3, 64, 64), channels=3)
    with pytest.raises(GenlabError, match=r"point dataset\.root at a folder of images"):
        dm.setup()


def test_loader_workers_leave_one_cpu_to_training(tmp_path):
    cpus = len(os.sched_getaffinity(0))
    assert loader_workers(4) == max(0, min(4, cpus - 1)) and loader_workers(0) == 0
    cfg = compose_train(["dataset=celeba"], tmp_path)
    assert cfg.dataset.num_workers == max(0, min(4, cpus - 1))
    assert compose_train(["dataset=celeba", "dataset.num_workers=3"], tmp_path).dataset.num_workers == 3
