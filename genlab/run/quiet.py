"""Lightning lines that tell a genlab user nothing they can act on, kept off the console and out
of `train.log`: the cloud-logger advertisement printed on every run, and a deprecation inside
Lightning's own code (`LeafSpec`, raised by its pytree helper on recent torch). Only these exact
messages are dropped; every other Lightning line and warning passes as before.
"""

import logging
import warnings

ADVERTISEMENTS = ("💡 Tip:",)
LIBRARY_DEPRECATIONS = (r"`isinstance\(treespec, LeafSpec\)` is deprecated",)


class DropAdvertisements(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(ADVERTISEMENTS)


def silence_lightning_noise() -> None:
    """Idempotent: the filter is attached once per logger, the warning filters are de-duplicated."""
    logger = logging.getLogger("lightning.pytorch.utilities.rank_zero")  # where rank_zero_info logs
    if not any(isinstance(f, DropAdvertisements) for f in logger.filters):
        logger.addFilter(DropAdvertisements())
    for message in LIBRARY_DEPRECATIONS:
        warnings.filterwarnings("ignore", message=message)
