"""Latent-space walks: interpolation paths, truncation, traversals."""

import torch

from genlab.analysis.interpolation import interpolation_grid, lerp, slerp, truncate
from genlab.analysis.traversal import latent_traversal


def test_paths_start_and_end_at_the_endpoints():
    z0, z1 = torch.randn(6), torch.randn(6)
    t = torch.linspace(0, 1, 5)
    for path in (lerp, slerp):
        out = path(z0, z1, t)
        torch.testing.assert_close(out[0], z0)
        torch.testing.assert_close(out[-1], z1)
    torch.testing.assert_close(lerp(z0, z1, torch.tensor([0.5]))[0], (z0 + z1) / 2)


def test_slerp_keeps_the_norm_where_lerp_shrinks_it():
    z0 = torch.tensor([3.0, 0.0, 0.0])
    z1 = torch.tensor([0.0, 3.0, 0.0])
    t = torch.linspace(0, 1, 7)
    torch.testing.assert_close(slerp(z0, z1, t).norm(dim=1), torch.full((7,), 3.0))
    assert lerp(z0, z1, torch.tensor([0.5])).norm() < 2.2


def test_interpolation_grid_rows_and_truncation():
    endpoints = torch.randn(4, 3)
    grid = interpolation_grid(endpoints, steps=5)
    assert grid.shape == (10, 3)
    torch.testing.assert_close(grid[5], endpoints[2])
    torch.testing.assert_close(truncate(endpoints, 0.5), endpoints / 2)


def test_traversal_changes_one_coordinate_per_row():
    z = torch.zeros(1, 4)
    codes = latent_traversal(lambda c: c, z, dims=[1, 3], values=torch.tensor([-1.0, 1.0]))
    expected = torch.tensor([[0, -1, 0, 0], [0, 1, 0, 0], [0, 0, 0, -1], [0, 0, 0, 1]], dtype=torch.float32)
    torch.testing.assert_close(codes, expected)
