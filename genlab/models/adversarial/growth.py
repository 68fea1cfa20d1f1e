"""Progressive growing's schedule (Karras et al., 2018): where a run stands, from how many real
images D has seen.

The run starts at 4 px and trains there for `stable_images`; each next resolution (twice the
last, up to the data's side) is then faded in over `fade_images` — α rising linearly from 0 to 1,
the new layers' output blended with the old ones' upsampled output — and trained for
`stable_images` more at α = 1. The last resolution stays. Everything follows from one counter,
which the checkpoint keeps, so a run stopped in the middle of a fade-in resumes at the same α.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from genlab.errors import GenlabError
from genlab.nn.progressive import Stage


@dataclass(frozen=True)
class Growth:
    """The schedule in real images shown to D; `batch_sizes` (one per resolution, 4 px first;
    null: the loader's batch throughout) lets the batch shrink as the images grow, as the paper's
    does for memory: each step uses the first that many images of the loaded batch."""

    stable_images: int = 800_000  # the paper's
    fade_images: int = 800_000
    batch_sizes: Sequence[int] | None = None

    def __post_init__(self) -> None:
        if self.stable_images < 1 or self.fade_images < 1:
            raise GenlabError(
                f"model.growth: stable_images={self.stable_images} and fade_images={self.fade_images} must be "
                "whole numbers of images ≥ 1 (the paper: 800000 each)"
            )
        if self.batch_sizes is not None and min(self.batch_sizes, default=0) < 1:
            raise GenlabError(f"model.growth.batch_sizes={list(self.batch_sizes)}: every batch size must be ≥ 1")

    def check(self, resolutions: Sequence[int]) -> None:
        """Refuse `batch_sizes` that do not give one size per resolution."""
        if self.batch_sizes is not None and len(self.batch_sizes) != len(resolutions):
            raise GenlabError(
                f"model.growth.batch_sizes={list(self.batch_sizes)} has {len(self.batch_sizes)} sizes for "
                f"{len(resolutions)} resolutions ({', '.join(map(str, resolutions))} px); give one per resolution "
                "or null"
            )

    def stage(self, images: int, resolutions: Sequence[int]) -> Stage:
        """The stage after `images` real images: stable at 4 px, then per resolution a fade-in and a
        stable phase; the last resolution for good."""
        if images < self.stable_images:
            return Stage(resolutions[0], 1.0)
        grown, into = divmod(images - self.stable_images, self.fade_images + self.stable_images)
        if grown >= len(resolutions) - 1:
            return Stage(resolutions[-1], 1.0)
        return Stage(resolutions[grown + 1], min(into / self.fade_images, 1.0))

    def batch_size(self, resolution: int, resolutions: Sequence[int], loaded: int) -> int:
        """How many of a loaded batch of `loaded` images a step at `resolution` uses."""
        if self.batch_sizes is None:
            return loaded
        return min(loaded, int(self.batch_sizes[list(resolutions).index(resolution)]))
