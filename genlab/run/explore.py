"""`genlab explore ckpt=PATH what=…`: the lecture's pictures of a latent space, from a checkpoint.

    what=mixing       style-mixing grid: the top row's styles with one layer range (coarse, middle,
                      fine by row, or layers=a-b) taken from the left column's       HasStyleSpace
    what=truncation   a row per seed, a column per ψ (psi=[…]; cutoff=k: first k inputs only)
    what=interpolate  rows from one seed to another (space=z|w, interpolation=lerp|slerp), PNG + GIF
    what=sefa         SeFa's top-k directions of the style affines (layers=…): a PNG per direction,
                      a row per seed, a column per distance; eigenvalues in JSON   HasStyleSpace
    what=edit         a linear boundary in W for a class of a genlab classifier (classifier=…,
                      attribute=c), walked along its normal; accuracies in JSON     HasStyleSpace
    what=traversal    one latent coordinate swept per row (of an encoded validation image where
                      the model encodes)                                            DecodesLatents
    what=context      which earlier pixels reach an autoregressive model's prediction of one
                      pixel (pixel=[row, column]): seen grey, never-seen black; counts in
                      JSON (PixelCNN's blind spot, PixelRNN's triangle)            ShowsContext
    what=codes        InfoGAN's codes: a PNG per continuous code, a row per value of the first
                      categorical code, a column per value in `distances`, noise fixed; the
                      mean slant and width at each value in JSON (fit_samples each)  HasCodes
    what=scatter      the codes of fit_samples training examples, coloured by class: a 2-D code
                      as it is, a larger one on its top two principal components     Encodes
    what=manifold     a 2-D decoder across its code plane: steps × steps codes at evenly spaced
                      quantiles (5 %…95 %) of the N(0, 1) prior           DecodesLatents, 2 latents
    what=activations  the code activations of fit_samples training examples and each one's encoder
                      Jacobian norm ‖∂h/∂x‖_F: histograms and their summaries      Encodes
    what=features     a domain-adapting model's features of held-out source and target images
                      (up to fit_samples each) by t-SNE, coloured by class         AdaptsDomains
    what=subspace     the decoder's subspace (its Jacobian at the mean code of the training
                      examples) against PCA's with as many components (fitted on fit_samples
                      training examples): principal angles in JSON, the paired directions as
                      images (top row PCA, bottom row the model)     DecodesLatents, Encodes

Files go to `<run>/explore/` (beside the checkpoint when it is not in a run's `checkpoints/`).
Every picture comes from the sampling network (the EMA) with fixed noise inputs and fixed seeds,
so the same command draws the same picture.
"""

from pathlib import Path

import torch
from omegaconf import DictConfig
from PIL import Image
from torch import Tensor
from torchvision.utils import make_grid, save_image

from genlab.analysis.animation import save_gif
from genlab.analysis.interpolation import lerp, slerp
from genlab.analysis.receptive_field import context_picture
from genlab.analysis.strokes import slant_and_width
from genlab.analysis.styles import RANGE_NAMES, linear_boundary, mix, sefa, style_range, truncate_styles, walk
from genlab.analysis.traversal import latent_traversal
from genlab.checkpoint import checkpoint_config, read_checkpoint, rebuild_datamodule
from genlab.data.base import first_examples
from genlab.errors import GenlabError
from genlab.metrics.extractors import check_input_shape, domain_extractor
from genlab.models.base import require
from genlab.models.capabilities import DecodesLatents, Encodes, HasCodes, HasStyleSpace, ShowsContext
from genlab.run.arguments import check_explore
from genlab.run.code_pictures import CodePictures


class Explorer(CodePictures):
    """Every picture kind (`what=`) is a method; the autoencoders' and domain adapters' are in
    `CodePictures`, the model, seeds and files in `ExplorerBase`."""

    def styles(self, n: int) -> Tensor:
        """Per-layer styles of `n` fresh seeds, truncated by `truncation`."""
        model = self.model
        ws = model.broadcast(model.map_codes(self.latents(n)))
        return truncate_styles(ws, model.mean_style(), self.cfg.truncation)

    def layers(self) -> range | None:
        return None if self.cfg.layers is None else style_range(str(self.cfg.layers), self.model.num_ws)

    # --- the pictures

    def mixing(self) -> None:
        require(self.model, HasStyleSpace, "a style-mixing grid (what=mixing)")
        rows, cols = self.cfg.rows, self.cfg.cols
        destinations, sources = self.styles(cols), self.styles(rows)
        synthesize = self.model.synthesize
        top = synthesize(destinations)
        blank = torch.ones_like(top[:1])
        pictures, ranges = [blank, top], []
        for i in range(rows):
            layers = self.layers() or style_range(RANGE_NAMES[i % 3], self.model.num_ws)
            ranges.append([layers.start, layers.stop - 1])
            mixed = mix(destinations, sources[i : i + 1].expand(cols, -1, -1), layers)
            pictures += [synthesize(sources[i : i + 1]), synthesize(mixed)]
        self.save("mixing" if self.cfg.layers is None else f"mixing-{self.cfg.layers}", torch.cat(pictures), cols + 1)
        self.save_json("mixing", {"rows_take_inputs": ranges, "num_ws": self.model.num_ws})

    def truncation(self) -> None:
        require(self.model, HasStyleSpace, "truncation in W (what=truncation)")
        psis = [float(p) for p in self.cfg.psi]
        ws = self.model.broadcast(self.model.map_codes(self.latents(self.cfg.rows)))
        w_avg = self.model.mean_style()
        rows = [truncate_styles(ws, w_avg, psi, self.cfg.cutoff) for psi in psis]
        images = self.model.synthesize(torch.stack(rows, dim=1).flatten(0, 1))
        cutoff = "" if self.cfg.cutoff is None else f"-cutoff{self.cfg.cutoff}"
        self.save(f"truncation{cutoff}", images, len(psis))

    def interpolate(self) -> None:
        space, method, steps = self.cfg.space, self.cfg.interpolation, self.cfg.steps
        if space not in ("z", "w") or method not in ("lerp", "slerp") or steps < 2:
            raise GenlabError(
                f"space={space}, interpolation={method}, steps={steps}: use space=z|w, lerp|slerp, ≥ 2 steps"
            )
        t = torch.linspace(0, 1, steps)
        if space == "w":
            require(self.model, HasStyleSpace, "interpolation in W (space=w)")
            if method == "slerp":
                raise GenlabError("interpolation=slerp in W: W is not a Gaussian shell; use lerp (or space=z)")
            ends = self.styles(2 * self.cfg.rows)[:, 0]
            path = torch.cat([lerp(ends[2 * i], ends[2 * i + 1], t) for i in range(self.cfg.rows)])
            images = self.model.synthesize(self.model.broadcast(path))
        else:
            require(self.model, DecodesLatents, "interpolation in Z (space=z)")
            ends, walk_between = self.latents(2 * self.cfg.rows), {"lerp": lerp, "slerp": slerp}[method]
            path = torch.cat([walk_between(ends[2 * i], ends[2 * i + 1], t) for i in range(self.cfg.rows)])
            images = self.model.decode_truncated(path, self.cfg.truncation)
        tag = f"interpolate-{space}-{method}"
        self.save(tag, images, steps)
        self.save_gif(tag, images.reshape(self.cfg.rows, steps, *images.shape[1:]))

    def save_gif(self, tag: str, rows: Tensor) -> None:
        """A frame per step: the rows' images at that step side by side, there and back again."""
        frames = []
        for step in range(rows.shape[1]):
            grid = make_grid(rows[:, step].clamp(0, 1).cpu(), nrow=len(rows), padding=2, pad_value=1.0)
            frames.append(Image.fromarray(grid.mul(255).round().byte().permute(1, 2, 0).numpy()))
        frames += frames[-2:0:-1]
        save_gif(frames, self.path(tag, ".gif"), frame_ms=120)

    def sefa(self) -> None:
        require(self.model, HasStyleSpace, "SeFa directions (what=sefa; they factorise the style affines)")
        layers = self.layers()
        directions, eigenvalues = sefa(self.model.style_weights(), layers, self.cfg.k)
        ws, distances = self.styles(self.cfg.rows), self.distances()
        name = "sefa" if layers is None else f"sefa-{self.cfg.layers}"
        for i, direction in enumerate(directions):
            self.save(f"{name}_dir{i}", self.model.synthesize(walk(ws, direction, distances, layers)), len(distances))
        self.save_json(name, {"eigenvalues": eigenvalues.tolist(), "distances": distances.tolist()})

    def edit(self) -> None:
        require(self.model, HasStyleSpace, "attribute editing in W (what=edit)")
        cfg = self.cfg
        dataset = checkpoint_config(self.checkpoint)["dataset"]["name"]
        extractor = domain_extractor(cfg.classifier, dataset, cfg.trust_config)
        extractor.net.to(self.device)
        check_input_shape(extractor, self.model.data_shape)
        w = self.styles(cfg.fit_samples)[:, 0]
        labels = torch.cat([self.classes(extractor, chunk) for chunk in w.split(250)])
        normal, accuracy = linear_boundary(w, labels == cfg.attribute)
        ws, distances = self.styles(cfg.rows), self.distances()
        edited = self.model.synthesize(walk(ws, normal, distances))
        self.save(f"edit-class{cfg.attribute}", edited, len(distances))
        shown = (self.predict(extractor, edited) == cfg.attribute).float().reshape(cfg.rows, -1).mean(dim=0)
        self.save_json(
            f"edit-class{cfg.attribute}",
            {
                "classifier": extractor.name,
                "attribute": cfg.attribute,
                "fit_samples": cfg.fit_samples,
                "share_with_attribute": float((labels == cfg.attribute).float().mean()),
                "boundary_accuracy": accuracy,
                "distances": distances.tolist(),
                "share_classified_as_attribute": shown.tolist(),
            },
        )
        print(f"boundary accuracy {accuracy:.3f}; share classified as {cfg.attribute} by distance: {shown.tolist()}")

    def classes(self, extractor, w: Tensor) -> Tensor:
        return self.predict(extractor, self.model.synthesize(self.model.broadcast(w)))

    @staticmethod
    def predict(extractor, images: Tensor) -> Tensor:
        return extractor.encode(images)[1].argmax(dim=1)

    def traversal(self) -> None:
        require(self.model, DecodesLatents, "a latent traversal (what=traversal)")
        model = self.model
        if isinstance(model, Encodes):
            x = first_examples(rebuild_datamodule(self.checkpoint, "validate").val_set, 1)
            z = model.encode_mean(x.to(self.device))
        else:
            z = self.latents(1)
        dims = range(min(self.cfg.k, model.latent_dim))
        distances = self.distances()
        self.save("traversal", latent_traversal(model.decode, z, dims, distances), len(distances))

    def codes(self) -> None:
        """The InfoGAN paper's figure: each continuous code swept over `distances` (the paper goes
        past the prior's ±1 to ±2) with one noise vector for the whole picture, so a row differs
        from the next only in the categorical code and a column only in the swept one."""
        require(self.model, HasCodes, "a sweep of structured codes (what=codes)")
        model = self.model
        if not model.continuous_codes or not model.categorical_codes:
            raise GenlabError(
                f"model '{model.model_name}' has {model.continuous_codes} continuous and "
                f"{len(model.categorical_codes)} categorical codes; what=codes needs at least one of each"
            )
        values = self.distances()
        rows, cols = model.categorical_codes[0], len(values)
        categorical = torch.zeros(rows * cols, len(model.categorical_codes), dtype=torch.long)
        categorical[:, 0] = torch.arange(rows).repeat_interleave(cols)
        z = self.latents(1).expand(rows * cols, -1)
        for j in range(model.continuous_codes):
            continuous = torch.zeros(rows * cols, model.continuous_codes)
            continuous[:, j] = values.repeat(rows)
            self.save(f"codes-c{j}", model.decode_codes(z, categorical, continuous), cols)
        self.save_json("codes", self.code_strokes(values))

    def code_strokes(self, values: Tensor) -> dict:
        """Mean slant and width (`genlab.analysis.strokes`) of `fit_samples` samples at each value
        of each continuous code, fresh noise and first categorical code, the others at 0: which
        code took slant and which width, in numbers."""
        model, n = self.model, self.cfg.fit_samples
        z = self.latents(n)
        categorical = torch.zeros(n, len(model.categorical_codes), dtype=torch.long)
        categorical[:, 0] = torch.randint(model.categorical_codes[0], (n,), generator=self.noise)
        measured = {}
        for j in range(model.continuous_codes):
            slants, widths = [], []
            for value in values.tolist():
                continuous = torch.zeros(n, model.continuous_codes)
                continuous[:, j] = value
                slant, width = slant_and_width(model.decode_codes(z, categorical, continuous))
                slants.append(round(float(slant.mean()), 4))
                widths.append(round(float(width.mean()), 4))
            measured[f"c{j}"] = {"slant": slants, "width": widths}
        return {
            "values": values.tolist(),
            "samples_per_value": n,
            "codes": measured,
            "slant": "-mu11/mu20: columns per row, > 0 leaning right",
            "width": "sqrt(mu02/mu00) in pixels",
        }

    def context(self) -> None:
        """The lecture's picture of an autoregressive model: the pixels its prediction of one
        pixel reads, from its own network (so a blind spot shows where the weights have one)."""
        require(self.model, ShowsContext, "the context of a pixel (what=context)")
        height, width = self.model.data_shape[-2:]
        row, column = (height // 2, width // 3) if self.cfg.pixel is None else (int(p) for p in self.cfg.pixel)
        if not (0 <= row < height and 0 <= column < width):
            raise GenlabError(f"pixel=[{row}, {column}] is outside the {height}×{width} image; give [row, column]")
        seen = self.model.context(row, column)
        picture = torch.nn.functional.interpolate(context_picture(seen, row, column)[None], scale_factor=8)
        tag = f"context-r{row}c{column}"
        save_image(picture, self.path(tag))
        earlier = row * width + column
        self.save_json(
            tag,
            {
                "pixel": [row, column],
                "earlier_pixels": earlier,
                "seen": int(seen.sum()),
                "earlier_unseen": earlier - int(seen.sum()),
            },
        )


def explore(cfg: DictConfig) -> list[Path]:
    ckpt = check_explore(cfg)
    explorer = Explorer(cfg, ckpt, read_checkpoint(ckpt, trust=cfg.trust_config))
    if not explorer.model.images:
        raise GenlabError(f"model '{explorer.model.model_name}' works on points, not images: nothing to picture")
    with torch.no_grad():
        getattr(explorer, cfg.what)()
    for path in explorer.written:
        print(path)
    return explorer.written
