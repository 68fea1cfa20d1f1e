"""What every job of a sweep shares is checked once, in the launching process, before the first
job: a problem all of them would meet (a search scored by FID with no classifier to score in)
would otherwise fail each trial in turn, each with the same line and Hydra's "Return value must be
float-castable" after it. Only what the sweep does not vary is checked, and only by reading the
config: nothing is built here."""

from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from genlab.run.arguments import classifier_file
from genlab.run.user_errors import exit_on_user_error

METRICS = "callbacks.metrics"


def swept_keys(hydra: DictConfig) -> set[str]:
    """The keys the sweep varies (its sweeper's `params`, or comma lists on the command line)."""
    params = hydra.sweeper.get("params") or {}
    varied = {str(key) for key in params}
    varied |= {o.split("=", 1)[0].lstrip("+~") for o in hydra.overrides.task if "," in o.split("=", 1)[-1]}
    return varied


def check_scoring(config: DictConfig, varied: set[str]) -> None:
    """FID while training in a classifier's features needs the classifier, in every job."""
    metrics = config.get("callbacks", {}).get("metrics")
    if metrics is None or metrics.get("extractor") != "domain" or f"{METRICS}.classifier" in varied:
        return
    classifier_file(metrics.get("classifier"), config.dataset.name, spelled=f"{METRICS}.")


class SharedChecks(Callback):
    """Hydra turns an exception in a callback into a warning and goes on, so a refusal here exits
    itself: one line, status 2, before the sweeper has made a folder or a study."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        with exit_on_user_error():
            check_scoring(config, swept_keys(config.hydra))
