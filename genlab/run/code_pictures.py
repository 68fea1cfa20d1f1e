"""`genlab explore` pictures of an autoencoder's or a domain adapter's codes: where the encoder puts
the examples (`scatter`, `features`), what a 2-D decoder draws (`manifold`), what the regularisers
did to the encoder (`activations`), and the decoder's subspace against PCA's (`subspace`)."""

import torch

from genlab.analysis.activations import activation_figure, jacobian_norms
from genlab.analysis.code_maps import plane, prior_grid, scatter_figure
from genlab.analysis.domain_features import features_figure
from genlab.analysis.subspace import (
    decoder_tangents,
    direction_images,
    paired_directions,
    principal_angles_degrees,
    principal_components,
)
from genlab.checkpoint import rebuild_datamodule
from genlab.data.base import first_examples
from genlab.errors import GenlabError
from genlab.models.base import require
from genlab.models.capabilities import AdaptsDomains, DecodesLatents, Encodes
from genlab.run.explorer import ExplorerBase, labelled_examples


class CodePictures(ExplorerBase):
    def scatter(self) -> None:
        require(self.model, Encodes, "a scatter of codes (what=scatter)")
        model = self.model
        x, labels = labelled_examples(rebuild_datamodule(self.checkpoint, "fit").train_set, self.cfg.fit_samples)
        count = len(x)
        codes = model.encode_mean(x.to(self.device)).cpu().double().numpy()
        points, shares = plane(codes)
        axes = "code" if shares is None else "principal component"
        projected = "" if shares is None else f" on its top 2 principal components ({sum(shares):.0%} of the variance)"
        title = f"{model.model_name}: {model.latent_dim}-d codes of {count} training images{projected}"
        scatter_figure(points, labels.numpy(), axes, title, self.path("scatter"))
        projection = "none" if shares is None else "PCA"
        report = {"latents": model.latent_dim, "examples": count, "projection": projection}
        self.save_json("scatter", report | {"explained_variance_ratio": shares})

    def manifold(self) -> None:
        require(self.model, DecodesLatents, "a code-plane grid (what=manifold)")
        if self.model.latent_dim != 2:
            raise GenlabError(
                f"what=manifold draws a 2-D code plane; model '{self.model.model_name}' has {self.model.latent_dim} "
                "latents: train it with model.latent_dim=2 (or use what=traversal)"
            )
        steps = self.cfg.steps
        if steps < 2:
            raise GenlabError(f"steps={steps}: what=manifold needs at least 2 codes a side")
        self.save("manifold", self.model.decode(prior_grid(steps).to(self.device)), steps)

    def activations(self) -> None:
        """The sparse AE's and the contractive AE's penalties, seen on the encoder they shaped."""
        require(self.model, Encodes, "code activations (what=activations)")
        model = self.model
        x = first_examples(rebuild_datamodule(self.checkpoint, "fit").train_set, self.cfg.fit_samples).to(self.device)
        codes = model.encode_mean(x).cpu()
        with torch.enable_grad():
            norms = jacobian_norms(model.encode_mean, x).cpu()
        title = f"{model.model_name}: {model.latent_dim} codes of {len(x)} training images"
        activation_figure(codes, norms, title, self.path("activations"))
        self.save_json(
            "activations",
            {
                "latents": model.latent_dim,
                "examples": len(x),
                "mean_activation": round(float(codes.mean()), 5),
                "inactive_below": 0.05,
                "inactive_share": round(float((codes.abs() < 0.05).float().mean()), 5),
                "jacobian_norm_mean": round(float(norms.mean()), 5),
                "jacobian_norm_median": round(float(norms.median()), 5),
            },
        )

    def features(self) -> None:
        require(self.model, AdaptsDomains, "features of two domains (what=features)")
        data = rebuild_datamodule(self.checkpoint, "validate")
        sides = {}
        for side, dataset in (("source", data.source_val), ("target", data.val_set)):
            x, labels = labelled_examples(dataset, self.cfg.fit_samples)
            sides[side] = (self.model.features(x.to(self.device)).cpu(), labels)
        title = f"ψ(x) of held-out {data.source.name} (source) and {data.target.name} (target)"
        features_figure(sides["source"], sides["target"], title, self.path("features"))
        self.save_json(
            "features", {side: {"examples": len(f)} for side, (f, _) in sides.items()} | {"embedding": "t-SNE"}
        )

    def subspace(self) -> None:
        """PCA against the autoencoder at equal code size (`genlab.analysis.subspace`): a linear
        AE's angles are all near 0°, a non-linear AE's tangent space leans away."""
        require(self.model, DecodesLatents, "the decoder's subspace (what=subspace)")
        require(self.model, Encodes, "the decoder's subspace at the mean code (what=subspace)")
        model = self.model
        train = first_examples(rebuild_datamodule(self.checkpoint, "fit").train_set, self.cfg.fit_samples)
        mean_code = model.encode_mean(train.to(self.device)).mean(dim=0)
        with torch.enable_grad():
            tangents = decoder_tangents(model.decode, mean_code)
        pca = principal_components(train.numpy(), model.latent_dim)
        angles = principal_angles_degrees(tangents, pca)
        pca_dirs, model_dirs = paired_directions(pca, tangents)
        shape = tuple(model.data_shape)
        images = torch.cat([direction_images(pca_dirs, shape), direction_images(model_dirs, shape)])
        self.save("subspace", images, model.latent_dim)
        self.save_json(
            "subspace",
            {
                "latents": model.latent_dim,
                "training_examples": len(train),
                "angles_degrees": [round(float(a), 3) for a in angles],
                "max_angle_degrees": round(float(angles.max()), 3),
                "mean_angle_degrees": round(float(angles.mean()), 3),
                "at": "the Jacobian of decode at the mean code of the training examples",
            },
        )
