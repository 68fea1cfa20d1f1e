"""Style-based generator blocks: the grouped modulated convolution equals a per-sample loop of
ordinary convolutions, demodulation makes it blind to the style's scale and keeps unit variance,
and the equalised learning rate gives unit-variance layers from N(0, 1) weights."""

import torch
import torch.nn.functional as F

from genlab.nn.style import EqualConv2d, EqualLinear, MappingNetwork, ModulatedConv2d


def test_the_grouped_modulated_convolution_equals_a_loop_of_ordinary_convolutions():
    torch.manual_seed(0)
    conv = ModulatedConv2d(6, 5, 3, w_dim=7)
    x, w = torch.randn(4, 6, 9, 9), torch.randn(4, 7)
    weight = conv.modulated_weight(conv.affine(w))
    loop = torch.cat([F.conv2d(x[i : i + 1], weight[i], padding=1) for i in range(4)])
    torch.testing.assert_close(conv(x, w), loop, atol=1e-5, rtol=0)


def test_demodulated_outputs_ignore_the_scale_of_the_style():
    torch.manual_seed(0)
    conv = ModulatedConv2d(6, 5, 3, w_dim=7)
    styles = torch.rand(3, 6) + 0.5
    torch.testing.assert_close(conv.modulated_weight(styles * 7.5), conv.modulated_weight(styles), atol=1e-5, rtol=0)
    plain = ModulatedConv2d(6, 5, 3, w_dim=7, demodulate=False)
    assert not torch.allclose(plain.modulated_weight(styles * 7.5), plain.modulated_weight(styles)), "ToRGB keeps it"


def test_demodulation_keeps_unit_variance_for_unit_inputs():
    torch.manual_seed(0)
    conv = ModulatedConv2d(64, 64, 3, w_dim=32)
    with torch.no_grad():
        out = conv(torch.randn(8, 64, 32, 32), torch.randn(8, 32))
    interior = out[:, :, 1:-1, 1:-1]  # the zero padding lowers the variance at the border
    assert abs(interior.std().item() - 1) < 0.05


def test_equalised_layers_have_unit_gain_and_the_mapping_network_maps_z_to_w():
    torch.manual_seed(0)
    with torch.no_grad():
        assert abs(EqualLinear(512, 512)(torch.randn(1024, 512)).std().item() - 1) < 0.05
        assert abs(EqualConv2d(64, 64, 3)(torch.randn(4, 64, 16, 16))[:, :, 1:-1, 1:-1].std().item() - 1) < 0.05
        w = MappingNetwork(z_dim=16, w_dim=24, depth=4)(torch.randn(5, 16))
    assert w.shape == (5, 24) and torch.isfinite(w).all()
    slow = EqualLinear(4, 4, lr_multiplier=0.01)
    assert torch.allclose(slow.weight.std(), torch.tensor(100.0), rtol=0.5), (
        "stored 1/lr larger, scaled back at run time"
    )
