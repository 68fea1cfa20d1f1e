"""`genlab demo list` and `genlab demo NAME [quick=true] [out=DIR] [overrides]`.

Overrides other than `quick=` and `out=` go to every training run of the demo
(`genlab demo gan_dynamics trainer=gpu`). Runs go to `$GENLAB_OUTPUT_DIR/demos/<NAME>/runs`
(`outputs/…`), pages to `<out>/<NAME>/index.md`, by default beside them.
"""

import os
import sys
from pathlib import Path

from genlab.demo.recipe import demo_names, load_recipe
from genlab.demo.runner import Demo, run_demo
from genlab.errors import GenlabError
from genlab.run.user_errors import exit_on_user_error

USAGE = "usage: genlab demo list | genlab demo NAME [quick=true] [out=DIR] [training overrides]"


def listing(out: Path) -> str:
    """Each demo: its title and full-run CPU time, the lecture topic, what it shows, its page."""
    recipes = [load_recipe(name) for name in demo_names()]
    width = max((len(r.name) for r in recipes), default=0)
    lines = []
    for r in recipes:
        pad = " " * width
        lines.append(f"{r.name:<{width}}  {r.title} (~{r.cpu_minutes:g} CPU min on 2 cores)")
        lines.append(f"{pad}  lecture: {r.lecture}")
        lines.append(f"{pad}  shows:   {r.shows}")
        page = out / r.name / "index.md"
        lines.append(f"{pad}  writes:  {page} ({len(r.figures)} figures, {len(r.numbers)} numbers)")
    return "\n".join(lines)


def demos_root() -> Path:
    return Path(os.environ.get("GENLAB_OUTPUT_DIR", "outputs")) / "demos"


def parse(options: list[str]) -> tuple[bool, Path, list[str]]:
    quick, out, extra = False, demos_root(), []
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise GenlabError(f"{option}: pass key=value ({USAGE})")
        if key == "quick":
            if value.lower() not in ("true", "false"):
                raise GenlabError(f"quick={value}: use quick=true (seconds of training) or quick=false")
            quick = value.lower() == "true"
        elif key == "out":
            out = Path(value)
        else:
            extra.append(option)
    return quick, out, extra


def run(args: list[str]) -> int:
    with exit_on_user_error():
        if not args or args[0] in ("-h", "--help", "list"):
            _, out, _ = parse(args[1:])
            print(listing(out) if args and args[0] == "list" else f"{USAGE}\n\n{listing(out)}")
            return 0
        recipe = load_recipe(args[0])
        quick, out, extra = parse(args[1:])
        page = run_demo(Demo(recipe, out / recipe.name, demos_root() / recipe.name / "runs", quick, extra))
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
