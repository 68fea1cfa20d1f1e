"""Damaged dataset files are named, in one line, before training or when a worker meets them:
a truncated MNIST `.gz` or IDX file, an altered CIFAR batch, an undecodable JPEG (stop, refuse
up front, or skip with a count, as the user chooses); a missing CelebA partition is announced."""

import pickle

import numpy as np
import pytest
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets

from genlab.data.cifar10 import Cifar10DataModule
from genlab.data.image_folder import ImageFolderDataModule
from genlab.data.mnist_like import MnistLikeDataModule
from genlab.errors import GenlabError, find_user_error
from genlab.run.user_errors import one_line
from tests.test_data import fake_celeba, fake_mnist


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "plain"])
def test_a_truncated_mnist_file_is_named(tmp_path, gz):
    fake_mnist(tmp_path, gz=gz)
    victim = tmp_path / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size * 2 // 3])
    dm = MnistLikeDataModule(name="mnist", data_dir=str(tmp_path), shape=(1, 28, 28))
    with pytest.raises(GenlabError, match=rf"dataset file {victim} is corrupt \(") as error:
        dm.setup()
    assert "\n" not in str(error.value)


def test_an_altered_cifar_batch_is_named_not_reported_missing(tmp_path):
    folder = tmp_path / datasets.CIFAR10.base_folder
    folder.mkdir()
    for name, _ in (*datasets.CIFAR10.train_list, *datasets.CIFAR10.test_list):
        (folder / name).write_bytes(pickle.dumps({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1]}))
    dm = Cifar10DataModule(name="cifar10", data_dir=str(tmp_path), shape=(3, 32, 32))
    with pytest.raises(GenlabError, match=r"data_batch_1 is corrupt \(its MD5 is not the published"):
        dm.setup()
    (folder / "data_batch_3").unlink()
    with pytest.raises(GenlabError, match=r"not found .*data_batch_3 missing from"):
        Cifar10DataModule(name="cifar10", data_dir=str(tmp_path), shape=(3, 32, 32)).setup()


def folder_with_a_broken_jpeg(tmp_path, n: int = 8):
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(tmp_path / f"{i}.jpg")
    broken = tmp_path / "3.jpg"
    broken.write_bytes(broken.read_bytes()[:200])  # a copy cut short: the header opens, the data does not
    return broken


def folder(tmp_path, **kwargs) -> ImageFolderDataModule:
    return ImageFolderDataModule(
        name="image_folder", root=str(tmp_path), shape=(3, 16, 16), channels=3, image_size=16, batch_size=2, **kwargs
    )


def test_a_broken_jpeg_met_by_a_worker_is_one_line_naming_it(tmp_path):
    broken = folder_with_a_broken_jpeg(tmp_path)
    dm = folder(tmp_path, val_fraction=0.5)
    dm.setup()
    everything = DataLoader(dm.train_set + dm.val_set, batch_size=4, num_workers=1)
    with pytest.raises(Exception) as raised:
        list(everything)
    error = find_user_error(raised.value)
    assert error is not None and "Original Traceback" in str(error)  # as it reaches the CLI ...
    message = one_line(error)  # ... and as the CLI prints it
    assert message.startswith(f"dataset file {broken} is corrupt (cannot be decoded") and "\n" not in message
    assert "dataset.bad_images=skip" in message


def test_bad_images_check_refuses_before_training_and_skip_counts(tmp_path, capsys):
    broken = folder_with_a_broken_jpeg(tmp_path)
    with pytest.raises(GenlabError, match=rf"1 of 8 images in {tmp_path} cannot be decoded: {broken}"):
        folder(tmp_path, bad_images="check").setup()
    dm = folder(tmp_path, bad_images="skip")
    dm.setup()
    assert len(dm.train_set) + len(dm.val_set) == 7
    assert f"genlab: warning: skipping 1 of 8 images that cannot be decoded: {broken}" in capsys.readouterr().err


def test_a_missing_celeba_partition_is_announced(tmp_path, capsys):
    fake_celeba(tmp_path, n=10, n_train=8)
    partition = tmp_path / "celeba" / "list_eval_partition.txt"
    images = tmp_path / "celeba" / "img_align_celeba"
    official = folder(images, partition=str(partition))
    official.setup()
    assert (len(official.train_set), len(official.val_set)) == (8, 2) and not capsys.readouterr().err
    partition.unlink()
    folder(images, partition=str(partition)).setup()
    assert f"genlab: warning: {partition} not found; splitting at random" in capsys.readouterr().err
