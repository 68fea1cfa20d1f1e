"""Every model config × every dataset config: composes and survives `fast_dev_run`, or (for
combinations that cannot work) fails with a clear message before training."""

from importlib.resources import files
from pathlib import Path

import pytest
import torch

from genlab.data.base import first_examples
from genlab.errors import GenlabError
from genlab.models.capabilities import Reconstructs, Samples
from genlab.run.listing import collect
from genlab.run.train import assemble
from tests.conftest import cheap_sampling, compose_train
from tests.test_data import fake_celeba, fake_mnist

GROUPS = collect(files("genlab.configs"))
MODELS = sorted(GROUPS["model"])
DATASETS = sorted(GROUPS["dataset"])
NOT_FAKEABLE = {"cifar10"}  # torchvision checks the md5 of the real archive files
OWN_TESTS = {
    "paired_folder",
    "unpaired_folder",
    "class_folders",
    "domain_pair",
    "mnist_m",
}  # folders of their own: test_translation_folders, test_dbvae; two domains and a folder of photos: test_dann


def needs_images(model_cfg) -> bool:
    """Convolutional networks (conv AE/VAE nets, DCGAN G/D, the diffusion U-Net) cannot take 2-D points."""
    nets = [model_cfg.get(key) or {} for key in ("net", "generator", "discriminator", "network")]
    image_nets = ("conv", "dcgan", "unet", "pixelcnn", "gated_pixelcnn", "StyleGenerator", "ResidualDiscriminator")
    image_nets += ("row_lstm", "diagonal_bilstm")
    image_nets += ("UNetGenerator", "ResNetGenerator", "PatchDiscriminator", "ProgressiveGenerator")
    image_nets += ("biggan_generator",)
    return any(net.get("_target_", "").rsplit(".", 1)[-1].startswith(image_nets) for net in nets)


def grey_only(model_cfg) -> bool:
    """The gated PixelCNN and PixelRNN model one channel (colour ordering is the plain PixelCNN's)."""
    return (model_cfg.get("network") or {}).get("_target_", "").endswith((".gated_pixelcnn", "_lstm", "_bilstm"))


def adapts_domains(model_cfg) -> bool:
    """DANN trains on dataset=domain_pair only (test_dann), and refuses every single domain."""
    return model_cfg["_target_"].endswith(".DANN")


def needs_labels(model_cfg) -> bool:
    """Conditional GANs and the classifier need a dataset with classes."""
    conditioning = (model_cfg.get("conditioning") or {}).get("_target_", "")
    return conditioning.rsplit(".", 1)[-1].startswith("Label") or model_cfg["_target_"].endswith(".Classifier")


def needs_two_classes(model_cfg, dataset_cfg) -> bool:
    """DB-VAE classifies positives against negatives."""
    return model_cfg["_target_"].endswith(".DBVAE") and dataset_cfg.get("num_classes") != 2


def needs_pairs(model_cfg, dataset_cfg) -> bool:
    """Translation models need a dataset with source images beside the targets."""
    return "pair" in model_cfg and dataset_cfg.get("source_shape") is None


def pairs_wanted(model_cfg, dataset_cfg) -> bool:
    """pix2pix, SRGAN and the context encoder learn from aligned pairs, which unpaired domains lack
    (CycleGAN and the face swaps learn from two domains)."""
    unpaired = dataset_cfg["_target_"].rsplit(".", 1)[-1].startswith("Unpaired")
    two_domains = model_cfg["_target_"].endswith((".CycleGAN", ".FaceSwap", ".FaceSwapGAN"))
    return "pair" in model_cfg and not two_domains and unpaired


def wrong_geometry(model_cfg, dataset_cfg) -> bool:
    """Super-resolution needs smaller sources; the other translators sources of the targets' size."""
    if "pair" not in model_cfg:
        return False
    smaller = dataset_cfg.source_shape[-1] < dataset_cfg.shape[-1]
    return smaller != model_cfg["_target_"].endswith(".SRGAN")


def grows_to_a_power_of_two(model_cfg, dataset_cfg) -> bool:
    """Progressive growing doubles 4 px up to the data's side; MNIST's native 28 is refused."""
    side = dataset_cfg.get("image_size")
    return model_cfg["_target_"].endswith(".ProGAN") and side is not None and side & (side - 1) != 0


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """Local stand-ins in the official layouts: MNIST IDX files, aligned CelebA, an image folder."""
    root = tmp_path_factory.mktemp("data")
    fake_mnist(root / "MNIST" / "raw", n_train=300, n_test=20)
    fake_mnist(root / "FashionMNIST" / "raw", n_train=300, n_test=20)
    fake_celeba(root)
    return root


def test_every_group_option_has_a_description():
    missing = [f"{g}/{o}" for g, options in GROUPS.items() for o, desc in options.items() if not desc]
    assert not missing, f"add a '# desc:' line to {missing}"
    for group in ("model", "dataset", "optimizer", "trainer", "callbacks", "logger", "paths", "experiment"):
        assert group in GROUPS
    assert {"cpu", "gpu", "ddp", "ddp_cpu", "debug"} <= set(GROUPS["trainer"])
    assert {"tensorboard", "csv", "none"} <= set(GROUPS["logger"])


# every model on the embedded digits and points in the fast suite; on the other datasets in the slow one
FAST_DATASETS = {"digits", "toy2d"}
# the embedded translation domains are digits with a second image in the label's place: every
# translator meets them, and of the other models one that ignores labels (vae) and one that
# refuses image labels (cgan) — the rest would repeat their digits runs
TRANSLATION_DATASETS = {"edges2digits", "inverted_digits", "sr_digits", "masked_digits", "thick_digits"}
TRANSLATORS = {"pix2pix", "cyclegan", "srgan", "context_encoder", "faceswap", "faceswap_gan"}
# the debiasing data (faces at 24 px with a subgroup item) meets the models it is for, a VAE and a
# GAN; the rest would repeat their digits runs
DEBIASING_DATASETS = {"biased_faces"}
# MNIST-M's recipe on the digits: a labelled colour set like the rest; DANN refuses it alone
ADAPTATION_DATASETS = {"digits_m"}
MATRIX = [
    pytest.param(model, dataset, marks=() if dataset in FAST_DATASETS else pytest.mark.slow, id=f"{model}-{dataset}")
    for dataset in DATASETS
    if dataset not in NOT_FAKEABLE | OWN_TESTS
    for model in MODELS
    if dataset not in TRANSLATION_DATASETS or model in TRANSLATORS | {"vae", "cgan"}
    if dataset not in DEBIASING_DATASETS or model in {"classifier", "vae", "dcgan", "dbvae"}
    if dataset not in ADAPTATION_DATASETS or model in {"classifier", "vae", "dann"}
]


@pytest.mark.parametrize(("model", "dataset"), MATRIX)
def test_model_dataset_fast_dev_run(model, dataset, data_dir, tmp_path):
    overrides = [
        f"model={model}",
        f"dataset={dataset}",
        f"paths.data_dir={data_dir}",
        "dataset.batch_size=8",
        "dataset.num_workers=0",
        "trainer.fast_dev_run=true",
        "callbacks.progress=null",
    ]
    if dataset == "image_folder":
        overrides.append(f"dataset.root={data_dir / 'celeba'}")
    if dataset in ("mnist", "fashion_mnist"):
        overrides.append("dataset.image_size=28")  # native: strided networks pad to 32 and crop back
    cfg = cheap_sampling(compose_train(overrides, tmp_path))
    if adapts_domains(cfg.model):
        with pytest.raises(GenlabError, match=r"use dataset=domain_pair|need image data"):
            assemble(cfg)
        return
    if needs_pairs(cfg.model, cfg.dataset):
        with pytest.raises(GenlabError, match=r"and needs .*, but this dataset declares no source_shape"):
            assemble(cfg)
        return
    if wrong_geometry(cfg.model, cfg.dataset):
        with pytest.raises(GenlabError, match=r"same size|times larger"):
            assemble(cfg)
        return
    if pairs_wanted(cfg.model, cfg.dataset):
        with pytest.raises(GenlabError, match=r"learns from aligned pairs of images, .* holds two unpaired domains"):
            assemble(cfg)
        return
    if grows_to_a_power_of_two(cfg.model, cfg.dataset):
        with pytest.raises(GenlabError, match=r"progressive growing doubles 4 px up to the data's side"):
            assemble(cfg)
        return
    if needs_labels(cfg.model) and cfg.dataset.get("num_classes") is None:
        with pytest.raises(GenlabError, match="declares no num_classes"):
            assemble(cfg)
        return
    if needs_two_classes(cfg.model, cfg.dataset):
        with pytest.raises(GenlabError, match="classes; use dataset=biased_faces"):
            assemble(cfg)
        return
    if needs_images(cfg.model) and len(cfg.dataset.shape) != 3:
        with pytest.raises(GenlabError, match=r"for .*toy2d"):
            assemble(cfg)
        return
    if grey_only(cfg.model) and cfg.dataset.get("channels") != 1:
        with pytest.raises(GenlabError, match="models one channel"):
            assemble(cfg)
        return
    run = assemble(cfg)
    run.trainer.fit(run.model, datamodule=run.datamodule)
    assert run.trainer.state.finished
    generative = isinstance(run.model, Samples | Reconstructs)
    if len(cfg.dataset.shape) == 3 and generative:
        assert list((tmp_path / "images").rglob("*.png")), "image grids are written even in fast_dev_run"
    shape = tuple(run.datamodule.shape)
    with torch.no_grad():
        if isinstance(run.model, Samples):
            assert run.model.eval().sample(2, torch.Generator().manual_seed(0)).shape == (2, *shape)
        if isinstance(run.model, Reconstructs):
            x = first_examples(run.datamodule.val_set, 2)
            assert run.model.eval().reconstruct(x).shape == (2, *shape)


@pytest.mark.parametrize("experiment", sorted(GROUPS["experiment"]))
def test_experiments_compose(experiment, tmp_path):
    cfg = compose_train([f"experiment={experiment}"], tmp_path)
    assert cfg.model.name and cfg.dataset.name


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_every_model_survives_trainer_debug(model, tmp_path):
    """`trainer=debug` turns on anomaly detection, which vmapped autograd (the contractive
    penalty's batched Jacobian) used to crash on."""
    overrides = [f"model={model}", "trainer=debug", "dataset.image_size=16", "dataset.batch_size=8"]
    run = assemble(cheap_sampling(compose_train([*overrides, "callbacks.progress=null", "logger=none"], tmp_path)))
    run.trainer.fit(run.model, datamodule=run.datamodule)
    assert run.trainer.state.finished and run.trainer.global_step > 0
