"""Super-resolution: SRResNet's sub-pixel upsampling, SRGAN's two phases, its content losses
(VGG19 offline, a genlab classifier), and SRResNet beating bicubic upsampling on digits."""

import urllib.error

import pytest
import torch

from genlab.errors import GenlabError
from genlab.hub import quiet_download
from genlab.models.adversarial.srgan import SRGAN
from genlab.nn.srresnet import SRDiscriminator, SRResNet
from genlab.objectives.content import VGG19_FILE, VGGContent
from genlab.run.train import assemble
from tests.conftest import compose_train, fit, run_cli, run_dirs

TINY_SRGAN = [
    "model=srgan",
    "dataset.image_size=16",  # from 4 px
    "model.generator.width=8",
    "model.generator.blocks=1",
    "model.discriminator.width=4",
    "model.discriminator.layers=2",
]


def test_two_pixel_shuffle_stages_quadruple_the_side_and_other_scales_are_refused():
    net = SRResNet(3, 3, scale=4, width=8, blocks=1)
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 3, 32, 32)
    assert sum(isinstance(m, torch.nn.PixelShuffle) for m in net.modules()) == 2
    assert SRDiscriminator(3, 32, width=4)(torch.randn(2, 3, 32, 32)).shape == (2, 1, 1, 1)
    with pytest.raises(GenlabError, match="scale=3 is not one"):
        SRResNet(1, 1, scale=3)


def test_srgan_refuses_a_dataset_of_same_size_pairs(tmp_path):
    with pytest.raises(GenlabError, match=r"ones 2, 4 or 8 times larger, got \[1, 32, 32\] → \[1, 32, 32\]"):
        assemble(compose_train(["model=srgan", "dataset=edges2digits"], tmp_path))


def test_the_discriminator_waits_for_the_pretraining_then_both_players_move(tmp_path):
    run = fit([*TINY_SRGAN, "model.pretrain_steps=3", "trainer.max_steps=3"], tmp_path / "mse")
    assert run.model.g_steps == 3 and run.model.d_steps == 0
    untouched = {k: v.clone() for k, v in run.model.discriminator.state_dict().items()}
    fresh = assemble(compose_train([*TINY_SRGAN, "model.pretrain_steps=3", "trainer.max_steps=3"], tmp_path / "x"))
    for key, value in fresh.model.discriminator.state_dict().items():
        assert torch.equal(untouched[key], value), "D is not trained while G pre-trains on MSE"
    game = fit([*TINY_SRGAN, "model.pretrain_steps=3", "trainer.max_steps=7"], tmp_path / "game").model
    assert (game.g_steps, game.d_steps) == (5, 2), "after 3 MSE steps, each batch is a D step and a G step"


def test_the_vgg_content_loss_offline_is_one_line_naming_the_weights_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(GenlabError, match=rf"VGG19 weights {VGG19_FILE}, which could not be downloaded") as error:
        VGGContent().prepare()
    assert str(tmp_path / "hub" / "checkpoints" / VGG19_FILE) in str(error.value)
    assert "model/content=classifier" in str(error.value) and "\n" not in str(error.value)


def test_a_failed_download_prints_nothing_of_torch_hubs_and_a_finished_one_says_one_line(tmp_path, monkeypatch, capsys):
    """torch hub printed `Downloading: "https://…"` above genlab's one-line refusal offline."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(url, dst, *args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(GenlabError, match="could not be downloaded"):
        VGGContent().prepare()
    assert capsys.readouterr() == ("", ""), "nothing but genlab's own line, which the CLI prints"
    target = tmp_path / "weights.pth"
    with quiet_download(target, "weights.pth"):
        print("torch hub's chatter")
        target.write_bytes(bytes(2**20))
    assert capsys.readouterr() == ("", f"genlab: downloaded weights.pth (1 MB) to {target}\n")


@pytest.mark.slow  # a CLI start-up
def test_a_run_refused_while_loading_its_content_weights_leaves_no_run_directory(workdir, tmp_path):
    """The weights load when fit starts (after the pre-flight checks and the environment record):
    that refusal, before any batch, removes the run's folder like a pre-flight one."""
    out = tmp_path / "out"
    args = ["model=srgan", "dataset=sr_digits", "model/content=vgg", f"model.content.weights={tmp_path / 'no.pth'}"]
    result = run_cli("train", *args, "trainer.max_steps=1", cwd=workdir, output_root=out)
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1].startswith("genlab: error: model.content")
    assert "Traceback" not in result.stderr and not run_dirs(out), list(out.rglob("*"))


def test_a_vgg_weights_file_that_is_not_the_published_one_is_refused(tmp_path):
    impostor = tmp_path / VGG19_FILE
    torch.save({"features.0.weight": torch.zeros(1)}, impostor)
    with pytest.raises(GenlabError, match=r"its SHA-256 begins .* the published vgg19-dcbb9e9d\.pth's begins dcbb9e9d"):
        VGGContent(weights=str(impostor)).prepare()
    with pytest.raises(GenlabError, match=r"model\.content\.layer='relu9_1' is not a VGG19 layer"):
        VGGContent(layer="relu9_1")
    assert VGGContent().depth == 36, "VGG54: torchvision's vgg19().features[:36], through the 16th ReLU"


def test_the_classifier_content_loss_is_logged_as_such(tmp_path, classifier_ckpt):
    content = ["model/content=classifier", f"model.content.classifier={classifier_ckpt}"]
    run = fit([*TINY_SRGAN, *content, "model.pretrain_steps=1", "trainer.max_steps=3"], tmp_path)
    logged = run.trainer.callback_metrics
    assert "train/content_classifier_epoch" in logged and "train/g_loss_epoch" in logged
    assert run.model.content.net is not None and not any(k.startswith("content") for k in run.model.state_dict())
    with pytest.raises(GenlabError, match=r"takes \[1, 16, 16\] images but the model makes \[1, 32, 32\]"):
        fit(["model=srgan", *content, "trainer.max_steps=1"], tmp_path / "wrong")


@pytest.mark.slow
def test_srresnet_beats_bicubic_upsampling_of_8_px_digits(tmp_path):
    """8 → 32 px, width 16, 2 blocks, 5 epochs of MSE at lr 1e-3 (505 steps, 14 s): validation
    PSNR measured 30.4 dB against bicubic's 29.0."""
    small = ["model=srgan", "model.generator.width=16", "model.generator.blocks=2", "optimizer.lr=1e-3"]
    run = fit([*small, "model.pretrain_steps=100000", "trainer.max_epochs=5"], tmp_path)
    assert isinstance(run.model, SRGAN) and run.model.d_steps == 0
    logged = run.trainer.callback_metrics
    assert float(logged["val/psnr"]) > float(logged["val/baseline_psnr"]) + 0.5, dict(logged)
    low = run.datamodule.val_set[0][1][None]
    assert run.model.translate(low).shape == (1, 1, 32, 32)


def test_the_vgg_content_loss_runs_on_the_weights_it_is_given(monkeypatch):
    """The load path without the real file: torchvision's layout on the meta device, then the
    file's tensors (here constant ones) assigned; the loss compares relu5_4 features."""
    from torchvision.models import vgg19

    with torch.device("meta"):
        layout = vgg19().state_dict()
    content = VGGContent()
    monkeypatch.setattr(content, "weights_state", lambda: {k: torch.full(v.shape, 0.01) for k, v in layout.items()})
    fake, real = torch.rand(2, 1, 32, 32, requires_grad=True), torch.rand(2, 1, 32, 32)
    assert content.loss(real, real) == 0
    loss = content.loss(fake, real)
    loss.backward()
    assert loss > 0 and fake.grad is not None and len(content.net.net) == 36
    assert all(not p.requires_grad for p in content.net.parameters()), "the content network stays frozen"
