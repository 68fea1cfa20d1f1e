"""The `genlab` command: subcommands in front of Hydra apps.

Hydra has no subcommands, so the subcommand is removed from `sys.argv` before Hydra parses it.
Lightning's `ddp` strategy starts ranks ≥ 1 by re-running `sys.argv`, which no longer holds
the subcommand; it is therefore also passed down in `GENLAB_SUBCOMMAND`, which a re-launched
rank (it has `LOCAL_RANK` set) uses. Only the standard library is imported at module level, so
`genlab --help` answers without loading torch.
"""

import importlib
import os
import sys

SUBCOMMAND_ENV = "GENLAB_SUBCOMMAND"
COMMANDS = {
    "train": ("genlab.run.train_app", "train a model (Hydra overrides, -m for sweeps, resume=RUN_DIR)"),
    "sample": ("genlab.run.commands:sample", "write a PNG grid from a checkpoint: ckpt=PATH n=64 [out=FILE]"),
    "eval": (
        "genlab.run.commands:evaluate",
        "score a checkpoint: ckpt=PATH metrics=[fid,kid,is,precision,recall,ppl,ppl_w,separability]",
    ),
    "explore": (
        "genlab.run.commands:explore",
        "pictures of a latent space: ckpt=PATH what=mixing|truncation|interpolate|sefa|edit|traversal",
    ),
    "translate": (
        "genlab.run.translate",
        "your images through a translator: ckpt=PATH input=DIR|FILE [out=DIR] [direction=AtoB|BtoA]",
    ),
    "export": ("genlab.run.export", "write a checkpoint for another library: ckpt=PATH format=diffusers out=DIR"),
    "compare": ("genlab.run.compare", "one table of runs: RUN_OR_SWEEP_DIR... [sort=val/loss] [format=markdown]"),
    "list": ("genlab.run.listing", "list config groups and their options: genlab list [group]"),
    "download": ("genlab.run.download", "fetch a real dataset: mnist|fashion_mnist|cifar10|celeba [data_dir=DIR]"),
    "demo": ("genlab.run.demo", "a lecture's picture and numbers: genlab demo list | genlab demo NAME [quick=true]"),
}

USAGE = """usage: genlab <command> [args...]

commands:
{commands}

examples:
  genlab train                                   quick offline default (VAE on embedded digits)
  genlab train model=beta_vae dataset=shapes model.beta=4
  genlab train -m model=vae,beta_vae model.latent_dim=2,8,32
  genlab train resume=outputs/vae-digits/<stamp>
  genlab sample ckpt=outputs/vae-digits/<stamp>/checkpoints/last.ckpt n=64
  genlab eval ckpt=.../last.ckpt extractor=domain classifier=.../classifier/last.ckpt n=2000
  genlab explore ckpt=outputs/stylegan2-digits/<stamp>/checkpoints/last.ckpt what=sefa layers=coarse
  genlab translate ckpt=outputs/pix2pix-edges2digits/<stamp>/checkpoints/last.ckpt input=my_edges/
  genlab compare outputs/multirun/<stamp> sort=val/loss format=markdown
  genlab list model

`genlab <command> --help` shows that command's options (for train: Hydra's help).
"""


def usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = "\n".join(f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items())
    return USAGE.format(commands=lines)


def _choose(args: list[str]) -> tuple[str | None, list[str]]:
    if args and args[0] in COMMANDS:
        return args[0], args[1:]
    inherited = os.environ.get(SUBCOMMAND_ENV)
    if inherited in COMMANDS and "LOCAL_RANK" in os.environ:
        return inherited, args
    return None, args


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command, rest = _choose(args)
    if command is None:
        if not args or args[0] in ("-h", "--help", "help"):
            print(usage())
            return 0
        print(f"genlab: error: unknown command {args[0]!r}; choose one of {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    os.environ[SUBCOMMAND_ENV] = command
    module, _, function = COMMANDS[command][0].partition(":")  # `module:function`, or a module's `run`
    return int(getattr(importlib.import_module(module), function or "run")(rest) or 0)
