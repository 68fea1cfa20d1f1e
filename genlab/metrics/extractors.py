"""Feature spaces for FID, KID and IS. Each has a name that is part of every number computed in it
(`fid[inception]`, `fid[digits-classifier]`), so a score is never mistaken for one from another space.

- `inception`: the FID Inception-v3 of torch-fidelity, through torchmetrics. Its weights are
  downloaded once into torch hub's cache (`<torch hub dir>/checkpoints/`); offline without the
  file it fails with one error naming the file and where to put it. `resize` picks how images
  reach 299×299: `antialias` (torchmetrics' default) or `legacy` (no antialiasing, as the
  original TensorFlow FID code, for numbers comparable with papers).
- `domain`: a classifier trained by genlab (`genlab train model=classifier dataset=D`): its
  penultimate activations are the features, its logits IS's class distribution.
"""

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from genlab.digest import file_sha256
from genlab.errors import GenlabError
from genlab.hub import quiet_download
from genlab.run.arguments import classifier_file, train_a_classifier
from genlab.trust import read_tensors

INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
RESIZE_MODES = ("antialias", "legacy")


@dataclass(frozen=True)
class Extractor:
    name: str
    net: nn.Module  # what holds the weights (moved to the evaluation device)
    encode: Callable[[Tensor], tuple[Tensor, Tensor]]  # images in [0, 1] → (features, class logits for IS)
    num_features: int
    weights_sha256: str
    resize: str  # how images are brought to the extractor's input size
    input_shape: tuple[int, ...] | None  # the image shape it needs, None if it resizes itself

    def features(self, images: Tensor) -> Tensor:
        return self.encode(images)[0]


def weights_sha256(module: nn.Module) -> str:
    """A hash of the weights themselves (names and values), independent of how they were stored."""
    digest = hashlib.sha256()
    for key, value in sorted(module.state_dict().items()):
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def inception_weights_path(weights: str | None) -> Path:
    return Path(weights) if weights else Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE


def check_weights_file(path: Path, option: str, published_name: str = INCEPTION_FILE) -> None:
    """Prove a weights file holds tensors and containers only (`weights_only=True` refuses any
    other pickled object) before torch-fidelity or torchvision unpickle it without that
    restriction: a file that passes this check rebuilds nothing but the same tensors either way."""
    try:
        read_tensors(path)
    except Exception as exc:
        raise GenlabError(
            f"{option}={path} is not a plain weights file ({type(exc).__name__}); it may have been tampered with, "
            f"so genlab will not load it: delete it and let genlab download {published_name} again"
        ) from exc


def published_prefix(file_name: str) -> str:
    """The SHA-256 prefix a torch-hub file name carries (`name-<hex>.pth`), which torch hub itself
    checks on download: the published fingerprint of the file."""
    return file_name.rsplit("-", 1)[-1].split(".", 1)[0]


def matches_published(path: Path, file_name: str, option: str, verify: bool, opt_out: str = "") -> bool:
    """Whether `path` is the published `file_name`; a mismatch is refused unless `verify` is off.
    `opt_out` tells the user how to score with the file anyway, where genlab offers that."""
    prefix, actual = published_prefix(file_name), file_sha256(path)
    if actual.startswith(prefix):
        return True
    if verify:
        raise GenlabError(
            f"{option}={path}: its SHA-256 begins {actual[: len(prefix)]}, the published {file_name}'s begins "
            f"{prefix}, so it is another or a damaged file; delete it and let genlab download {file_name} again"
            + (f" ({opt_out})" if opt_out else "")
        )
    print(
        f"genlab: warning: {path} is not the published {file_name}; scores are named inception-unverified",
        file=sys.stderr,
    )
    return False


def inception_extractor(
    resize: str = "antialias", weights: str | None = None, verify: bool = True, spelled: str = ""
) -> Extractor:
    """The FID Inception-v3. `verify=False` accepts a weights file other than the published one
    (an untrained stand-in in tests and benchmarks), and then names the feature space
    `inception-unverified`, so its numbers never pass for FIDs. `spelled`: the options' prefix in
    the command at hand (`callbacks.metrics.` while training), for the errors."""
    from torchmetrics.image.fid import NoTrainInceptionV3

    if resize not in RESIZE_MODES:
        raise GenlabError(
            f"{spelled}resize={resize!r}: use antialias (torchmetrics' default) or legacy (the original FID)"
        )
    path = inception_weights_path(weights)
    if weights and not path.is_file():
        raise GenlabError(f"{spelled}inception_weights={weights}: no such file; it should be {INCEPTION_FILE}")
    published = True
    if path.is_file():
        check_weights_file(path, f"{spelled}inception_weights")
        opt_out = f"or pass {spelled}inception_verify=false to score with it anyway, named inception-unverified"
        published = matches_published(path, INCEPTION_FILE, f"{spelled}inception_weights", verify, opt_out)
    try:
        with quiet_download(path, INCEPTION_FILE):
            net = NoTrainInceptionV3(
                name="inception-v3-compat",
                features_list=["2048"],
                feature_extractor_weights_path=str(path) if path.is_file() else None,
                antialias=resize == "antialias",
            )
    except Exception as exc:  # the download: URLError, HTTPError, socket errors, partial files
        raise GenlabError(
            f"{spelled}extractor=inception needs the FID Inception weights {INCEPTION_FILE}, which could not be "
            f"downloaded ({type(exc).__name__}); put the file at {path} (or pass {spelled}inception_weights=PATH), "
            f"or use {spelled}extractor=domain"
        ) from exc
    net.eval()

    def encode(images: Tensor) -> tuple[Tensor, Tensor]:
        x = (images.clamp(0, 1) * 255).round().to(torch.uint8)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        features = net(x)
        return features, features @ net.fc.weight.T  # IS's "unbiased" logits, as torch-fidelity defines them

    return Extractor(
        name="inception" if published else "inception-unverified",
        net=net,
        encode=encode,
        num_features=2048,
        weights_sha256=weights_sha256(net),
        resize=resize,
        input_shape=None,
    )


def domain_extractor(classifier: str | None, dataset: str, trust: bool = False, spelled: str = "") -> Extractor:
    """A genlab classifier's penultimate features; `spelled` as `inception_extractor`'s."""
    from genlab.models.classifier import read_classifier

    classifier_file(classifier, dataset, spelled)
    train_it = train_a_classifier(dataset)
    model = read_classifier(classifier, f"{spelled}classifier", trust, train_it)
    if model.dataset != dataset:
        raise GenlabError(
            f"{spelled}classifier={classifier} was trained on '{model.dataset}', but the images come from '{dataset}': "
            f"scores in a foreign feature space mislead; {train_it}"
        )

    def encode(images: Tensor) -> tuple[Tensor, Tensor]:
        features = model.features(images)
        return features, model.head(features)

    return Extractor(
        name=f"{model.dataset}-classifier",
        net=model,
        encode=encode,
        num_features=model.feature_dim,
        weights_sha256=weights_sha256(model),
        resize="none",
        input_shape=model.data_shape,
    )


def build_extractor(
    kind: str,
    dataset: str,
    classifier: str | None,
    resize: str,
    inception_weights: str | None,
    trust: bool = False,
    inception_verify: bool = True,
    spelled: str = "",
):
    if kind == "inception":
        return inception_extractor(resize, inception_weights, inception_verify, spelled)
    if kind == "domain":
        return domain_extractor(classifier, dataset, trust, spelled)
    raise GenlabError(f"{spelled}extractor={kind!r}: use inception or domain")


def check_input_shape(extractor: Extractor, shape) -> None:
    if extractor.input_shape is not None and tuple(extractor.input_shape) != tuple(int(s) for s in shape):
        raise GenlabError(
            f"the {extractor.name} takes {list(extractor.input_shape)} images but the model makes "
            f"{[int(s) for s in shape]}; train the classifier with the same dataset settings"
        )
