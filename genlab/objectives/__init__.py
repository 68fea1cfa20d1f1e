"""Losses, regularisers and corruptions as small pure functions, tested against their formulas."""
