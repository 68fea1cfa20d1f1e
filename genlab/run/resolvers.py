"""OmegaConf resolvers that the shipped configs use; registered before Hydra composes."""

import os
from datetime import datetime

from omegaconf import OmegaConf


def run_stamp() -> str:
    """Sub-second timestamp plus process id: two runs on one host never share a directory."""
    return f"{datetime.now():%Y-%m-%d_%H-%M-%S.%f}_p{os.getpid()}"


def register() -> None:
    OmegaConf.register_new_resolver("genlab_stamp", run_stamp, use_cache=True, replace=True)
