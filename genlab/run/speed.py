"""Speed switches applied to a built model before training: `compile=true` (torch.compile) and
`channels_last=true` (the NHWC memory format that tensor cores and oneDNN convolutions prefer).

Each network of the model (each direct sub-module holding parameters) is compiled in place with
`nn.Module.compile`, so parameter names, and with them checkpoints, stay those of an uncompiled
run: a run trained compiled resumes, samples and evaluates uncompiled, and back. Compilation
happens at a network's first call (tens of seconds on a CPU, once per input shape and
requires-grad pattern: a GAN's networks compile twice). Metrics (torchmetrics) are left alone.
channels_last converts every 4-d weight; a convolution whose weight is channels-last computes in
that format whatever its input's, so batches need no conversion.
"""

import torch
from torch import nn
from torchmetrics import Metric


def networks(model: nn.Module) -> dict[str, nn.Module]:
    """The model's direct sub-modules that hold parameters, metrics excepted."""
    return {
        name: child
        for name, child in model.named_children()
        if not isinstance(child, Metric) and next(child.parameters(), None) is not None
    }


def compile_networks(model: nn.Module, backend: str = "inductor", mode: str | None = None) -> list[str]:
    """Compile each network in place; the names compiled."""
    found = networks(model)
    for child in found.values():
        child.compile(backend=backend, mode=mode)
    return list(found)


def apply_speed_switches(model: nn.Module, compile: bool, backend: str, mode: str | None, channels_last: bool) -> None:
    if channels_last:
        model.to(memory_format=torch.channels_last)
    if compile:
        compile_networks(model, backend, mode)
