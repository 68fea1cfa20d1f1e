"""An untrained FID Inception-v3 weights file, for offline plumbing tests and benchmarks: the
architecture and file format of the real one, none of its knowledge."""

from pathlib import Path
from unittest import mock

import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3


def untrained_inception_weights(path: Path) -> Path:
    no_file = mock.patch("torch.load", return_value={})
    no_load = mock.patch.object(FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
    with no_file, no_load:
        net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], feature_extractor_weights_path="unused")
    for module in net.modules():  # the class leaves batch-norm scales and statistics at zero
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_parameters()
            module.reset_running_stats()
    torch.save(net.state_dict(), path)
    return path
