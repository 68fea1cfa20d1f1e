"""Matplotlib for the figures genlab writes: imported only when a figure is drawn (it costs a
second of start-up that most commands do not need), on the Agg backend (files, no display)."""

from types import ModuleType


def pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt
