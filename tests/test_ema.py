"""The shared moving average: its warmed-up decay, and that a short DDPM run samples from weights
that followed the network rather than from its initialisation."""

import torch
from torch import nn

from genlab.models.ema import moving_average, warmed_up_decay


def test_the_average_follows_the_warmed_up_recursion():
    net = nn.Linear(3, 2)
    average = moving_average(net, 0.9)
    expected = net.weight.detach().clone()  # the first update copies
    average.update_parameters(net)
    for n in range(1, 40):
        with torch.no_grad():
            net.weight.add_(torch.randn_like(net.weight))
        d = min(0.9, (1 + n) / (10 + n))
        expected = d * expected + (1 - d) * net.weight.detach()
        average.update_parameters(net)
    torch.testing.assert_close(average.module.weight, expected)
    assert warmed_up_decay(0.9, 0) == 0.1 and warmed_up_decay(0.9, 1000) == 0.9


def test_the_warm_up_ends_where_the_fixed_decay_takes_over():
    assert warmed_up_decay(0.999, 8989) < 0.999 == warmed_up_decay(0.999, 8991)
    weight_left_on_the_start = 1.0
    for n in range(1, 251):
        weight_left_on_the_start *= warmed_up_decay(0.999, n)
    assert weight_left_on_the_start < 0.01, "after 250 updates the initialisation is forgotten (fixed: 0.78)"
