"""The adversarial family: a two-player core and the games and parts composed on it.

- `core`: manual optimisation of G and D, the objective, regularisers, balance, EMA, sampling;
- `balance`: how the two players are kept in step (n_critic, TTUR, instance noise, smoothing);
- `conditioning`: what G and D see or predict besides noise and data (labels, InfoGAN codes);
- `gan`: the standard game (GAN, DCGAN, WGAN(-GP), LSGAN, SN-GAN, RGAN, cGAN, ACGAN, InfoGAN);
- `infogan`: the standard game with InfoGAN's codes, which pictures can set by hand;
- `bigan`: BiGAN/ALI, whose D judges (x, z) pairs and whose G trains with an encoder.
"""
