"""genlab: a config-driven experiment runner for deep generative models.

Nothing heavy is imported here, so `genlab --help` starts without loading torch.
"""

__version__ = "0.1.0"
