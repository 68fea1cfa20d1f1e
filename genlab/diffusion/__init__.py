"""Diffusion as parts: a noise schedule (the forward process) and samplers (the reverse loop),
kept apart from the denoising network, as diffusers keeps schedulers apart from UNets."""
