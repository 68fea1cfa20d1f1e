"""BigGAN: the projection discriminator's and the orthogonal regulariser's formulas, the
hierarchical latent and shared embedding, truncation by resampling, and samples that follow
their class."""

import json

import pytest
import torch
import torch.nn.functional as F

from genlab.analysis.interpolation import resample_truncated
from genlab.errors import GenlabError
from genlab.nn.attention import SelfAttention
from genlab.objectives.orthogonal import off_diagonal_gram, orthogonal_penalty
from genlab.run.evaluate import evaluate
from genlab.run.train import build
from tests.conftest import compose_command, compose_train, fit

TINY = [
    "model=biggan",
    "dataset.image_size=16",
    "model.latent_dim=12",
    "model.generator.width=8",
    "model.generator.shared_dim=4",
    "model.discriminator.width=8",
    "model.discriminator.attention=8",
]


@pytest.fixture
def tiny(tmp_path):
    return build(compose_train(TINY, tmp_path).model)


def test_the_projection_discriminator_is_a_linear_head_plus_the_class_embeddings_projection(tiny):
    """D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩, on the spectrally normalised D the game trains (in
    eval mode, where spectral norm's power iteration stands still)."""
    d = tiny.discriminator.eval()
    x, y = torch.randn(5, 1, 16, 16), torch.tensor([0, 3, 3, 9, 1])
    onehot = F.one_hot(y, 10).float()
    phi = d.features(x)
    expected = d.linear(phi)[:, 0] + (d.embed.weight.T[y] * phi).sum(dim=1)
    torch.testing.assert_close(d(x, onehot), expected)
    assert not torch.allclose(d(x, onehot), d(x, F.one_hot((y + 1) % 10, 10).float()))  # the class matters
    assert hasattr(d.linear, "parametrizations") and hasattr(d.embed, "parametrizations")  # model/regulariser's SN


def test_the_orthogonal_regulariser_is_the_off_diagonal_gram_squared():
    """R = β‖W Wᵀ ⊙ (1 − I)‖²_F with one row per filter: the squared inner products of distinct filters."""
    weight = torch.randn(3, 2, 2, 2)
    rows = weight.reshape(3, -1)
    expected = sum(float(rows[i] @ rows[j]) ** 2 for i in range(3) for j in range(3) if i != j)
    assert float(off_diagonal_gram(weight)) == pytest.approx(expected, rel=1e-5)
    orthonormal = torch.linalg.qr(torch.randn(4, 4))[0] * 3  # orthogonal rows of norm 3: no penalty
    assert float(off_diagonal_gram(orthonormal)) == pytest.approx(0, abs=1e-3)


def test_g_pays_the_orthogonal_term_on_every_weight_but_the_shared_embedding(tiny):
    g = tiny.generator
    weights = [(n, p) for n, p in g.named_parameters() if p.dim() >= 2 and "shared" not in n]
    torch.testing.assert_close(orthogonal_penalty(g, ["shared"]), sum(off_diagonal_gram(p) for _, p in weights))
    batch = [torch.rand(8, 1, 16, 16), torch.randint(0, 10, (8,))]
    losses = tiny.generator_play(tiny.to_model_space(batch[0]), batch)
    assert float(losses["orthogonal"]) == pytest.approx(1e-4 * float(orthogonal_penalty(g, ["shared"])), rel=1e-4)


def test_one_shared_embedding_feeds_every_block_with_its_own_latent_chunk(tiny):
    """z (12) splits into 3 chunks at 16 px: the 4×4 input's and one per block, each block's
    conditional batch norm reading [its chunk, the shared embedding (4)]; the embedding is the
    only layer of G without spectral norm."""
    g = tiny.generator
    assert g.chunk == 4 and len(g.blocks) == 2 and g.input.in_features == 4
    assert all(block.norm1.gain.in_features == 4 + 4 for block in g.blocks)
    assert not hasattr(g.shared, "parametrizations") and hasattr(g.input, "parametrizations")
    z = torch.randn(2, 12)
    labels = torch.tensor([4, 4])
    with torch.no_grad():
        g.eval()
        base = g(torch.cat([z, F.one_hot(labels, 10).float()], dim=1))
        moved = z.clone()
        moved[:, 8:] += 1  # the last block's chunk only
        assert not torch.allclose(base, g(torch.cat([moved, F.one_hot(labels, 10).float()], dim=1)))


def test_a_latent_size_that_does_not_split_into_the_chunks_is_refused_in_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"^model.latent_dim=10: BigGAN's G splits z into 3 equal chunks") as error:
        build(compose_train([*TINY, "model.latent_dim=10"], tmp_path).model)
    assert "\n" not in str(error.value)


def test_truncation_resamples_codes_beyond_2_then_scales_them_by_psi(tiny):
    z = torch.randn(500, 12) * 2
    for psi in (1.0, 0.5, 0.04):
        truncated = resample_truncated(z, psi)
        assert truncated.abs().max() <= 2 * psi
        inside = z.abs() <= 2
        torch.testing.assert_close(truncated[inside], psi * z[inside])  # in range: only scaled
        assert not torch.allclose(truncated[~inside], psi * z[~inside].clamp(-2, 2))  # out of range: redrawn
    torch.testing.assert_close(resample_truncated(z, 0.5), resample_truncated(z, 0.5))  # the same codes, the same draws
    tiny.eval()
    torch.testing.assert_close(tiny.decode_truncated(z[:4], 0.5), tiny.decode(resample_truncated(z[:4], 0.5)))


def test_self_attention_starts_as_the_identity_and_mixes_positions_once_gamma_moves():
    attention = SelfAttention(16)
    x = torch.randn(2, 16, 8, 8)
    torch.testing.assert_close(attention(x), x)
    with torch.no_grad():
        attention.gamma.fill_(1.0)
    out, changed = attention(x), x.clone()
    changed[:, :, 0, 0] += 5  # one position moves: every position's output moves
    assert not torch.allclose(attention(changed)[:, :, 7, 7], out[:, :, 7, 7])


def test_packing_refuses_the_projection_ds_labels_in_one_line(tmp_path):
    with pytest.raises(GenlabError, match=r"^model/view=packing: .*per-sample inputs \(the projection D's labels\)"):
        build(compose_train([*TINY, "model/view=[packing]"], tmp_path).model)


def test_eval_scores_truncated_samples_in_a_report_of_their_own(tmp_path, classifier_ckpt):
    fit([*TINY, "trainer.max_steps=2"], tmp_path)
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    args = [f"ckpt={ckpt}", f"classifier={classifier_ckpt}", "metrics=[fid,precision,recall]", "n=64"]
    report = evaluate(compose_command("eval", [*args, "truncation=0.5"]))
    assert report.name == "eval_last_psi0.5.json"
    records = json.loads(report.read_text())["records"]
    assert [r["metric"] for r in records] == ["fid", "precision", "recall"]
    assert all("truncation ψ=0.5" in r["protocol"]["generator"] for r in records)
    with pytest.raises(GenlabError, match=r"^truncation=1.5 must be in \(0, 1\]"):
        evaluate(compose_command("eval", [*args, "truncation=1.5"]))


@pytest.mark.parametrize("views", [[], ["model/view=[minibatch_std]"]], ids=["bare", "through-a-view"])
def test_the_projection_conditioning_refuses_a_d_without_classes_in_one_line(tmp_path, views):
    """Also when a view wraps D's factory (in **kwargs, so only the call finds the missing `classes`)."""
    overrides = ["model=dcgan", "dataset.image_size=16", "model/conditioning=label_projected", *views]
    cfg = compose_train(overrides, tmp_path)
    with pytest.raises(GenlabError, match=r"^model/conditioning=label_projected needs a projection discriminator"):
        build(cfg.model)


@pytest.mark.slow
def test_biggan_samples_follow_their_class(tmp_path):
    """The CPU preset (experiment=biggan_digits) for half its budget, 1000 batches; 200 samples of
    each asked-for digit read by a 15-epoch digits classifier. Measured agreement with the digit
    asked for (chance 0.1): seeds 0 and 42 0.51 and 0.48 (seed 0 0.91 after the full 2000
    batches); at twice these learning rates seeds 0, 1, 2, 42 0.62, 0.76, 0.87, 0.40 — faster but
    less steady, so not the preset. Asked: 0.3."""
    judge = tmp_path / "judge"
    fit(["model=classifier", "dataset.image_size=16", "trainer.max_epochs=15"], judge)
    fit(["experiment=biggan_digits", "trainer.max_steps=2000"], tmp_path / "biggan")
    args = [f"ckpt={tmp_path / 'biggan' / 'checkpoints' / 'last.ckpt'}", "metrics=[purity]"]
    report = evaluate(compose_command("eval", [*args, f"classifier={judge / 'checkpoints' / 'last.ckpt'}"]))
    assert json.loads(report.read_text())["agreement"] > 0.3
