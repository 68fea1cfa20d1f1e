"""Content (perceptual) losses: the squared distance between two images' features in a fixed,
pretrained network, SRGAN's alternative to pixel MSE, which rewards the blurry average of all
plausible high-resolution images.

- `VGGContent`: torchvision's ImageNet VGG19, features after `layer` (SRGAN's "VGG54" is
  `relu5_4`, the 4th ReLU of the 5th block), on ImageNet-normalised inputs; `weight` 0.006 is
  (1/12.75)², the paper's rescaling of the features. The weights file (vgg19-dcbb9e9d.pth)
  comes from torch hub's cache or a download, is checked to be plain tensors and the published
  file, and without network is one error naming the file and where to put it.
- `ClassifierContent`: the penultimate features of a classifier genlab trained on the target
  domain (`genlab train model=classifier`): the offline option, logged as
  `content_classifier`, never as VGG.

Both load their network at `prepare()` (the fit's start), not when a model is rebuilt, so
translating with a trained checkpoint needs neither file; and neither network is a submodule of
the model, so checkpoints do not carry it.
"""

from abc import ABC, abstractmethod
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from genlab.errors import GenlabError
from genlab.trust import download_weights, read_tensors

VGG19_FILE = "vgg19-dcbb9e9d.pth"
VGG19_URL = f"https://download.pytorch.org/models/{VGG19_FILE}"
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class ContentLoss(ABC):
    """`loss(fake, real)` on images in [0, 1]; `name` is the key the term is logged under."""

    name: str
    weight: float

    def __init__(self) -> None:
        self.net: nn.Module | None = None

    @abstractmethod
    def load(self) -> nn.Module:
        """The frozen feature network, images in [0, 1] → features."""

    def prepare(self) -> None:
        if self.net is None:
            self.net = self.load().eval().requires_grad_(False)

    def loss(self, fake: Tensor, real: Tensor) -> Tensor:
        self.prepare()
        self.net.to(fake.device)
        with torch.no_grad():
            target = self.net(real)
        return F.mse_loss(self.net(fake), target)


def vgg19_layer_names(features: nn.Sequential) -> list[str]:
    """`conv1_1, relu1_1, …, pool5`: the names papers give VGG19's layers, in order."""
    names, block, conv = [], 1, 0
    for module in features:
        if isinstance(module, nn.Conv2d):
            conv += 1
            names.append(f"conv{block}_{conv}")
        elif isinstance(module, nn.ReLU):
            names.append(f"relu{block}_{conv}")
        else:
            names.append(f"pool{block}")
            block, conv = block + 1, 0
    return names


class ImageNetInput(nn.Module):
    """Images in [0, 1] (grey or RGB) → ImageNet-normalised RGB, in front of `net`."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN)[None, :, None, None])
        self.register_buffer("std", torch.tensor(IMAGENET_STD)[None, :, None, None])

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return self.net((x - self.mean) / self.std)


class VGGContent(ContentLoss):
    def __init__(self, layer: str = "relu5_4", weight: float = 0.006, weights: str | None = None) -> None:
        super().__init__()
        from torchvision.models import vgg19

        with torch.device("meta"):  # the layout alone: no 143M random weights to draw
            names = vgg19_layer_names(vgg19().features)
        if layer not in names:
            raise GenlabError(f"model.content.layer={layer!r} is not a VGG19 layer; use one of relu2_2, relu5_4, …")
        self.layer, self.depth = layer, names.index(layer) + 1
        self.weight, self.weights = float(weight), weights
        self.name = f"content_vgg_{layer}"

    def weights_state(self) -> dict[str, Tensor]:
        from genlab.metrics.extractors import check_weights_file, matches_published

        path = Path(self.weights) if self.weights else Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE
        if self.weights and not path.is_file():
            raise GenlabError(f"model.content.weights={self.weights}: no such file; it should be {VGG19_FILE}")
        if path.is_file():
            check_weights_file(path, "model.content.weights", VGG19_FILE)
            matches_published(path, VGG19_FILE, "model.content.weights", verify=True)
            return read_tensors(path)
        try:
            return download_weights(VGG19_URL)
        except Exception as exc:  # URLError, HTTPError, socket errors, a partial or altered download
            raise GenlabError(
                f"the VGG content loss needs torchvision's VGG19 weights {VGG19_FILE}, which could not be downloaded "
                f"({type(exc).__name__}); put the file at {path} (or pass model.content.weights=PATH), "
                "or use model/content=classifier offline"
            ) from exc

    def load(self) -> nn.Module:
        from torchvision.models import vgg19

        state = self.weights_state()
        with torch.device("meta"):
            vgg = vgg19()
        vgg.load_state_dict(state, assign=True)  # the file's tensors become the weights
        return ImageNetInput(vgg.features[: self.depth])


class ClassifierContent(ContentLoss):
    name = "content_classifier"

    def __init__(
        self, classifier: str | None, image_shape: list[int], weight: float = 1.0, trust: bool = False
    ) -> None:
        super().__init__()
        self.train_it = "train one with `genlab train model=classifier dataset=digits dataset.image_size=<side>`"
        if classifier is None:
            raise GenlabError(f"model/content=classifier needs model.content.classifier=PATH; {self.train_it}")
        self.classifier, self.image_shape = classifier, [int(s) for s in image_shape]
        self.weight, self.trust = float(weight), trust

    def load(self) -> nn.Module:
        from genlab.models.classifier import read_classifier

        option = "model.content.classifier"
        if not Path(self.classifier).expanduser().is_file():
            raise GenlabError(f"{option}={self.classifier}: no such file; {self.train_it}")
        model = read_classifier(self.classifier, option, self.trust, self.train_it)
        if list(model.data_shape) != self.image_shape:
            raise GenlabError(
                f"{option}={self.classifier} takes {list(model.data_shape)} images but the model makes "
                f"{self.image_shape}; {self.train_it}"
            )
        return model.body
