"""Without a GPU, PyTorch answers "is CUDA available?" its own cached way, not through NVML.

Lightning sets `PYTORCH_NVML_BASED_CUDA_CHECK=1` when it is imported, so that
`torch.cuda.is_available()` asks NVML instead of initialising CUDA, which would break CUDA in the
processes forked afterwards (pytorch/pytorch#83973). PyTorch caches the answer only once CUDA is
initialised, which never happens on a machine without a GPU; there each call loads the NVML library
again, and every optimiser step makes one (`Optimizer._accelerator_graph_capture_health_check`):
0.34 ms of a VAE's 29-ms step on a 2-core CPU, a cost that a plain PyTorch loop does not pay.

Without a GPU there is no CUDA for a fork to break. Where NVML finds none (or is missing, when
PyTorch already falls back to the CUDA runtime's count on every call), genlab unsets the variable
for the rest of the process. Machines with a GPU keep Lightning's setting.
"""

import os

import torch

NVML_CHECK = "PYTORCH_NVML_BASED_CUDA_CHECK"


def skip_nvml_without_a_gpu() -> None:
    if os.environ.get(NVML_CHECK) == "1" and not torch.cuda.is_available():
        del os.environ[NVML_CHECK]
