"""genlab's Hydra config tree, installed as the package `genlab.configs`."""
