"""Image-to-image translation: the PatchGAN's receptive field, the generators' shapes, the
embedded domains, and pix2pix learning edges → digits."""

import pytest
import torch
from torch import nn

from genlab.data.domains import CannyEdges, Downsampled, Inverted, Masked, SobelEdges, Tinted
from genlab.errors import GenlabError
from genlab.models.capabilities import Translates
from genlab.nn.translation import PatchDiscriminator, ResNetGenerator, UNetGenerator
from genlab.run.train import assemble
from tests.conftest import compose_train, fit

TINY_PIX2PIX = [
    "model=pix2pix",
    "dataset.image_size=16",
    "model.generator.width=8",
    "model.discriminator.width=8",
    "model.discriminator.layers=2",
]


def test_a_three_layer_patchgan_maps_256_px_to_30x30_outputs_that_each_see_70x70_pixels():
    torch.manual_seed(0)
    d = PatchDiscriminator(3, 256, width=4, layers=3).eval()  # running statistics: no coupling across pixels
    x = torch.randn(1, 3, 256, 256, requires_grad=True)
    out = d(x)
    assert out.shape == (1, 1, 30, 30)
    out[0, 0, 15, 15].backward()
    rows, cols = torch.nonzero(x.grad[0].abs().sum(0), as_tuple=True)
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (70, 70)


@pytest.mark.parametrize("upsample", ["transposed", "resize"])
def test_the_generators_keep_the_input_size(upsample):
    x = torch.randn(2, 1, 32, 32)
    unet = UNetGenerator(1, 3, 32, width=8, upsample=upsample)
    resnet = ResNetGenerator(1, 3, 32, width=8, blocks=2, upsample=upsample)
    assert unet(x).shape == resnet(x).shape == (2, 3, 32, 32)
    transposed = any(isinstance(m, nn.ConvTranspose2d) for m in unet.modules())
    assert transposed == (upsample == "transposed"), "resize-convolution has no transposed convolution"
    with pytest.raises(GenlabError, match="halves the 24-px side 5 times"):
        UNetGenerator(1, 1, 24, depth=5)


def test_a_patchgan_too_deep_for_the_images_names_the_fix():
    with pytest.raises(GenlabError, match=r"at least 24 px, got 16; lower model\.discriminator\.layers"):
        PatchDiscriminator(2, 16, layers=3)


def test_unet_dropout_sits_in_the_stages_next_to_the_bottleneck():
    unet = UNetGenerator(1, 1, 256)  # 8 halvings, as pix2pix's unet_256
    assert sum(isinstance(m, nn.Dropout) for m in unet.modules()) == 3


def test_the_embedded_domains():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 32, 32)
    edges = SobelEdges(quantile=0.8)(x)
    assert set(edges.unique().tolist()) <= {0.0, 1.0} and 0.1 < edges.mean() < 0.3
    digits = torch.zeros(2, 3, 32, 32)
    digits[..., 8:24, 8:24] = 1  # a bright square: its outline, thin, and nothing inside or outside
    outline = CannyEdges(sigma=1.0)(digits)
    assert outline.shape == digits.shape and set(outline.unique().tolist()) == {0.0, 1.0}
    columns = torch.nonzero(outline[0, 0, 16]).flatten().tolist()
    assert columns == [7, 8, 23, 24], "a row through the square crosses its two sides, on the pixels around each step"
    assert outline[..., 12:20, 12:20].sum() == 0 and outline[..., :4, :].sum() == 0
    low = Downsampled(4)(x)
    assert low.shape == x.shape and torch.equal(low[..., :4, :4], low[..., :1, :1].expand(-1, -1, 4, 4))
    assert Downsampled(4, keep_size=False)(x).shape == (4, 1, 8, 8)
    masked = Masked(hole=0.5)(x)
    assert masked[..., 8:24, 8:24].abs().sum() == 0 and torch.equal(masked[..., :8, :], x[..., :8, :])
    torch.testing.assert_close(Inverted()(x), 1 - x)
    assert Tinted()(x).shape == (4, 3, 32, 32)


def test_pix2pix_takes_the_resnet_translator(tmp_path):
    overrides = ["model=pix2pix", "model/translator@model.generator=resnet", "model.generator.blocks=2"]
    run = fit([*overrides, "dataset.image_size=16", "model.discriminator.layers=2", "trainer.max_steps=2"], tmp_path)
    assert isinstance(run.model.generator, ResNetGenerator)


def test_pix2pix_needs_a_paired_dataset(tmp_path):
    with pytest.raises(GenlabError, match="model=pix2pix translates images and needs a paired image dataset"):
        assemble(compose_train(["model=pix2pix", "dataset=digits"], tmp_path))
    small = ["model.generator.width=4", "model.discriminator.layers=1", "dataset.image_size=16"]
    with pytest.raises(GenlabError, match=r"'pix2pix' learns from aligned pairs .* or model=cyclegan"):
        assemble(compose_train(["model=pix2pix", "dataset=inverted_digits", *small], tmp_path))


def test_pix2pix_translates_in_the_chosen_test_mode(tmp_path):
    run = fit([*TINY_PIX2PIX, "trainer.max_steps=4"], tmp_path)
    model = run.model
    assert isinstance(model, Translates) and model.source_shape == (1, 16, 16)
    sources = torch.rand(3, 1, 16, 16)
    with torch.no_grad():
        first, second = model.translate(sources), model.translate(sources)
        torch.testing.assert_close(first, second), "eval mode: no dropout, running statistics"
        model.test_mode = "train"
        assert not torch.allclose(model.translate(sources), model.translate(sources)), "train mode keeps dropout"
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()


def validation_l1(run) -> float:
    val = run.datamodule.val_set
    targets, sources = (torch.stack([val[i][k] for i in range(len(val))]) for k in (0, 1))
    with torch.no_grad():
        return (run.model.translate(sources) - targets).abs().mean().item()


@pytest.mark.slow
def test_pix2pix_learns_edges_to_digits(tmp_path):
    """16-px Canny edges → digits, U-Net of width 16, PatchGAN of 2 layers: measured validation
    L1 0.41 after one step of each player and 0.083 after 10 epochs (1000 optimiser steps, 35 s),
    where the edge map itself as the guess scores 0.35."""
    small = ["model=pix2pix", "dataset.image_size=16", "model.generator.width=16", "model.discriminator.layers=2"]
    start = validation_l1(fit([*small, "trainer.max_steps=2"], tmp_path / "start"))
    run = fit([*small, "trainer.max_epochs=10"], tmp_path / "trained")
    trained, logged = validation_l1(run), run.trainer.callback_metrics
    assert trained == pytest.approx(float(logged["val/l1"]), rel=1e-3), "the logged val/l1 is this number"
    assert trained < start / 3, (start, trained)
    assert trained < float(logged["val/baseline_l1"]) / 2
