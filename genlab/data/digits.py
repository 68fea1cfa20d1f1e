"""scikit-learn's handwritten digits (1797 8×8 images, 10 classes): real data, no network."""

import torch
from sklearn.datasets import load_digits
from torch import Tensor

from genlab.data.base import TensorDataModule, resize


def digit_images(image_size: int) -> tuple[Tensor, Tensor]:
    """(images N×1×S×S in [0, 1], class labels), resized from 8×8 once."""
    digits = load_digits()
    x = torch.as_tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    return resize(x, image_size), torch.as_tensor(digits.target, dtype=torch.long)


class DigitsDataModule(TensorDataModule):
    def __init__(self, image_size: int = 16, **kwargs) -> None:
        super().__init__(**kwargs)
        self.image_size = image_size

    def load_tensors(self) -> tuple[Tensor, Tensor]:
        return digit_images(self.image_size)
