"""A demo recipe: which runs it trains (with a `quick` budget for CI), which genlab commands it
runs on their checkpoints, which of the files they write are its figures, and which logged numbers
it reports. Recipes are configs of genlab's (`configs/demo/`), composed by Hydra like every other
group and checked here, so a misspelled field is named before anything trains."""

from importlib.resources import files
from string import Formatter
from typing import Literal

from hydra import compose, initialize_config_module
from omegaconf import OmegaConf
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from genlab.errors import GenlabError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Training(Strict):
    train: list[str]  # `genlab train` overrides, as on the command line
    quick: list[str] = Field(default_factory=list)  # appended under quick=true: seconds, for CI


class Command(Strict):
    """A genlab command after the runs: `[sample, "ckpt={gan}", n=64]` in YAML, or
    `{args: [...], quick: [...]}` where seconds of training still leave a long command (DDPM's
    1000 sampling steps for an FID): quick is appended to its args under quick=true."""

    args: list[str]  # `genlab …` args; {run} is its last.ckpt, {run.dir} its folder (for `genlab compare`)
    quick: list[str] = Field(default_factory=list)


class Figure(Strict):
    run: str  # the run whose folder holds it
    file: str  # a glob below that folder; the newest match is shown
    caption: str


class Number(Strict):
    run: str
    key: str  # a logged value in the run's summary.json (`val/modes_covered`, `metrics/fid[…]`), or with
    # `report`, a dotted path into that JSON (`scores.neg_elbo.auroc`)
    caption: str
    report: str | None = None  # a JSON report below the run folder that a command wrote (metrics/anomaly_last.json)


class Recipe(Strict):
    name: str
    title: str
    lecture: str  # the lecture topic it reproduces
    shows: str  # what a student sees in it
    cpu_minutes: float  # the full run on 2 CPU cores, measured
    runs: dict[str, Training]
    commands: list[Command] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    numbers: list[Number] = Field(default_factory=list)
    # gallery: the figures, then a number per line; zoo: a row per run (its command, its training's
    # CPU minutes from summary.json, its numbers in a column per caption) — the model zoo's table
    layout: Literal["gallery", "zoo"] = "gallery"

    @field_validator("commands", mode="before")
    @classmethod
    def listed_args(cls, commands: list) -> list:
        """A plain list of args is a command with no quick budget of its own."""
        return [{"args": command} if isinstance(command, list) else command for command in commands or []]

    def check(self) -> "Recipe":
        """Every figure, number and command names a run of the recipe."""
        args = [arg for command in self.commands for arg in [*command.args, *command.quick]]
        fields = [field for arg in args for _, field, _, _ in Formatter().parse(arg) if field]
        placeholders = [field.removesuffix(".dir") for field in fields]
        named = [f.run for f in self.figures] + [n.run for n in self.numbers] + placeholders
        unknown = sorted({run for run in named if run not in self.runs})
        if unknown:
            raise GenlabError(f"demo {self.name}: {', '.join(unknown)} is not one of its runs ({', '.join(self.runs)})")
        return self


def demo_names() -> list[str]:
    folder = files("genlab.configs") / "demo"
    return sorted(e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml"))


def load_recipe(name: str) -> Recipe:
    names = demo_names()
    if name not in names:
        raise GenlabError(f"demo {name!r} does not exist; `genlab demo list` shows them: {', '.join(names)}")
    with initialize_config_module("genlab.configs", version_base="1.3"):
        node = compose(f"demo/{name}").demo
    try:
        return Recipe(name=name, **OmegaConf.to_container(node, resolve=True)).check()
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise GenlabError(f"configs/demo/{name}.yaml: {where}: {problem['msg']}") from None
