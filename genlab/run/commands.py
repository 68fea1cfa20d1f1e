"""The Hydra apps of `genlab sample`, `genlab eval` and `genlab explore`: each checks its
arguments (`arguments.py`, standard library only) and only then imports its implementation and
with it torch and Lightning, so that a wrong argument is refused in about a second instead of
after a 5–7 s import."""

import hydra
from omegaconf import DictConfig

from genlab.run import arguments
from genlab.run.launch import run_app
from genlab.run.user_errors import exit_on_user_error


@hydra.main(version_base="1.3", config_path="pkg://genlab.configs", config_name="sample")
def sample_main(cfg: DictConfig) -> None:
    with exit_on_user_error():
        arguments.check_sample(cfg)
        from genlab.run.sample import sample

        sample(cfg)


@hydra.main(version_base="1.3", config_path="pkg://genlab.configs", config_name="eval")
def eval_main(cfg: DictConfig) -> None:
    with exit_on_user_error():
        arguments.check_eval(cfg)
        from genlab.run.evaluate import evaluate

        evaluate(cfg)


@hydra.main(version_base="1.3", config_path="pkg://genlab.configs", config_name="explore")
def explore_main(cfg: DictConfig) -> None:
    with exit_on_user_error():
        arguments.check_explore(cfg)
        from genlab.run.explore import explore

        explore(cfg)


def sample(args: list[str]) -> int:
    return run_app(sample_main, args)


def evaluate(args: list[str]) -> int:
    return run_app(eval_main, args)


def explore(args: list[str]) -> int:
    return run_app(explore_main, args)
