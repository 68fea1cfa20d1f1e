"""The commands of the README and of every page of the docs site, as runnable lists, for
`tests/test_docs_commands.py`.

Every line of a ```bash block of a page is a command (a trailing backslash continues it; a
comment after two spaces is the page's promise about it: `→ FILE` names a file it writes).
Each is either run, in page order, or listed in `SKIPPED` with the reason a CPU in CI cannot
run it. Before running, a command is

- *filled*: the page's placeholders become what earlier commands made (`fill`), and
- *shortened* by the documented budget (`shortened`): training runs one epoch of two batches
  (`trainer.max_epochs=1 ++trainer.limit_train_batches=2 ++trainer.limit_val_batches=2`; a resume one
  epoch more), an Optuna search a tenth of its trials (at least 2), an evaluation 64 samples
  (`n=64 ppl_samples=64`: the digits classifier's feature dimension, the least FID takes).
  Overrides appended last win in Hydra, so the page's own stay in the command as written.

The gallery's pages (`docs/gallery/`) are not run: they record what `genlab demo` ran, with its
run folders' digests, and the demo tests run every recipe.
"""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
COMMENT = re.compile(r"\s{2,}#\s?(.*)$")
PRODUCES = re.compile(r"→\s*(\S+\.(?:png|gif|json))")

NEEDS_A_GPU = "needs a CUDA GPU"
DOWNLOADS = "downloads a real dataset (no network in CI)"
USERS_FOLDER = "reads a real dataset from a folder of the user's"
DEMO = "a demo: tests/test_demo.py runs every recipe under quick=true (the same budget), and its reuse"
REPRODUCTION = "a full reproduction of the page's figures: minutes to hours on 2 cores, run outside CI"
RUN_AS = {"make train": "genlab train"}  # a set-up command, run as what it runs (after its install)
SKIPPED = {
    "make test": "CI's own set-up command (.ci/run runs it; this test is part of it)",
    "make docs": "CI's own command (.ci/run builds the site)",
    "pip install 'genlab[sweeps]'": "an installation: `make install` already has the extra",
    "genlab train model=vae model/net=mlp dataset=fashion_mnist paths.data_dir=/path/to/fashion": USERS_FOLDER,
    "genlab train model=wgan_gp dataset=celeba trainer=gpu": NEEDS_A_GPU,
    "genlab train model=stylegan2 dataset=celeba dataset.image_size=64 trainer=gpu trainer.precision=bf16-mixed": (
        NEEDS_A_GPU
    ),
    "genlab train experiment=ddpm_cifar10": NEEDS_A_GPU,
    "genlab train experiment=biggan_cifar10": NEEDS_A_GPU,
    "genlab train trainer=ddp trainer.devices=4": NEEDS_A_GPU,
    "genlab train model=pixelcnn dataset=cifar10 model.levels=256": DOWNLOADS,
    "genlab download mnist data_dir=data": DOWNLOADS,
    "genlab train dataset=mnist": DOWNLOADS,
    "genlab demo ddpm_denoising trainer=gpu": NEEDS_A_GPU,
    "genlab demo gan_dynamics": DEMO,
    "genlab demo beta_vae_traversal quick=true": DEMO,
    "genlab demo debiasing": DEMO,
    "bash scripts/gpu_wheels.sh": "builds wheels for a GPU machine from PyPI (network)",
    "bash scripts/gpu_check.sh smoke": NEEDS_A_GPU,
    "bash scripts/gpu_check.sh bench": NEEDS_A_GPU,
    "python scripts/reproduce_dann.py 1000 5": REPRODUCTION,
    "python scripts/reproduce_faceswap.py 600 3": REPRODUCTION,
    "python scripts/reproduce_mode_collapse.py": REPRODUCTION,
    "python scripts/compare_autoregressive.py --minutes 3 --figures docs/figures/pixelrnn": REPRODUCTION,
    "genlab train model=dann dataset@dataset.source=mnist dataset@dataset.target=mnist_m "
    "dataset.target.photos=/data/BSR/BSDS500/data/images paths.data_dir=/data": USERS_FOLDER,
    "genlab train model=dbvae dataset=class_folders dataset.positives=/data/celeba/img_align_celeba "
    "dataset.negatives=/data/imagenet_no_people dataset.subgroups=/data/skin_tone.csv": USERS_FOLDER,
    "genlab train model=faceswap dataset=unpaired_folder dataset.root=/data/alice2bob dataset.image_size=64 "
    "dataset.batch_size=16": USERS_FOLDER,
    "genlab translate ckpt=outputs/faceswap-unpaired_folder/<stamp>/checkpoints/last.ckpt "
    "input=/data/alice_video_frames/ direction=AtoB": USERS_FOLDER,
}

# The digits classifier that `classifier=...` and `=PATH` stand for: the scoring page's command,
# run first on every page that has such a placeholder.
CLASSIFIER = "genlab train model=classifier trainer.max_epochs=20"

TRAINING_BUDGET = ["trainer.max_epochs=1", "++trainer.limit_train_batches=2", "++trainer.limit_val_batches=2"]
EVAL_BUDGET = ["n=64", "ppl_samples=64"]
SEARCH_DEFAULT_TRIALS = 20


@dataclass
class Command:
    line: int  # in its page, for the failure message
    text: str  # as the page writes it, comments removed, whitespace collapsed
    promises: list[str] = field(default_factory=list)  # the page's comments on it

    @property
    def args(self) -> list[str]:
        return shlex.split(RUN_AS.get(self.text, self.text))

    @property
    def files(self) -> list[str]:
        """Names of the files the page says it writes (`→ samples/…png`)."""
        return [Path(m).name for p in self.promises for m in PRODUCES.findall(p)]


def documented_pages() -> list[Path]:
    """README.md and the site's pages, the gallery's records excepted."""
    return [README, *sorted(DOCS.glob("*.md"))]


def commands_of(text: str) -> list[Command]:
    commands: list[Command] = []
    for block in BLOCK.finditer(text):
        line = text.count("\n", 0, block.start(1)) + 1
        pending, start = "", line
        for number, raw in enumerate(block.group(1).splitlines(), start=line):
            if not pending and raw.lstrip().startswith("#"):  # a comment line: the promise of the command above
                if commands:
                    commands[-1].promises.append(raw.lstrip("# "))
                continue
            start = start if pending else number
            if raw.rstrip().endswith("\\"):
                pending += raw.rstrip()[:-1] + " "
                continue
            comment = COMMENT.search(raw)
            code = pending + (raw[: comment.start()] if comment else raw)
            pending = ""
            if code.strip():
                commands.append(Command(start, " ".join(code.split()), [comment.group(1)] if comment else []))
    return commands


def needs_classifier(command: Command) -> bool:
    return any(a.endswith(("=...", "=PATH")) for a in command.args)


def subcommand(args: list[str]) -> str:
    return args[1] if args[0] == "genlab" and len(args) > 1 else ""


def value_of(args: list[str], key: str) -> str | None:
    found = [a.partition("=")[2] for a in args if a.startswith(f"{key}=")]
    return found[-1] if found else None


def shortened(args: list[str]) -> list[str]:
    """The command at the test's budget (see the module's docstring)."""
    name = subcommand(args)
    if name == "eval":
        return [*args, *EVAL_BUDGET]
    if name != "train" or {"--cfg", "--help"} & set(args):
        return args
    if value_of(args, "resume") is not None:
        return [*args, *TRAINING_BUDGET, "trainer.max_epochs=2"]
    if any(a.startswith("hparams_search=") for a in args):
        trials = int(value_of(args, "hydra.sweeper.n_trials") or SEARCH_DEFAULT_TRIALS)
        return [*args, *TRAINING_BUDGET, f"hydra.sweeper.n_trials={max(2, trials // 10)}"]
    return [*args, *TRAINING_BUDGET]


def newest(pattern: str, cwd: Path) -> Path:
    """The newest match of a glob below `cwd` (run folders are named by their start time)."""
    found = sorted(cwd.glob(pattern), key=lambda p: p.stat().st_mtime)
    if not found:
        raise AssertionError(f"no earlier command of the page made {pattern} in {cwd}")
    return found[-1]


@dataclass
class Made:
    """What earlier commands made, for the placeholders of later ones."""

    cwd: Path
    last_run: Path | None = None  # the run folder of the latest single `genlab train`
    classifier: Path | None = None  # the domain classifier (`classifier=...`, `=PATH`): CLASSIFIER's run
    inputs: dict[str, Path] = field(default_factory=dict)  # `input=NAME` → a file or folder made for it


def fill(arg: str, made: Made) -> str:
    """One argument with the page's placeholders replaced."""
    arg = re.sub(r"(outputs/[\w.-]+)/<stamp>", lambda m: str(newest(f"{m.group(1)}/*/", made.cwd)), arg)
    arg = re.sub(
        r"\.\.\./([\w-]+)\.\.\./last\.ckpt",
        lambda m: str(newest(f"outputs/{m.group(1)}*/*/checkpoints/last.ckpt", made.cwd)),
        arg,
    )
    if ".../last.ckpt" in arg:
        assert made.last_run is not None, f"{arg}: no `genlab train` ran before it"
        arg = arg.replace(".../last.ckpt", str(made.last_run / "checkpoints" / "last.ckpt"))
    if arg.endswith(("=...", "=PATH")):
        assert made.classifier is not None, f"{arg}: no classifier was trained before it"
        arg = f"{arg.partition('=')[0]}={made.classifier}"
    key, _, value = arg.partition("=")
    if key == "input" and value in made.inputs:
        arg = f"input={made.inputs[value]}"
    assert "<" not in arg and "..." not in arg, f"{arg}: a placeholder tests/docs_commands.py does not know"
    return arg
