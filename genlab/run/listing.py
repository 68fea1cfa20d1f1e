"""`genlab list [group]`: the options of each config group with their `# desc:` line.

Reads the YAML files shipped in `genlab.configs` directly (no Hydra, no torch), so it is fast.
"""

import re
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable

DESC = re.compile(r"^#\s*desc:\s*(.*)$")


def describe(entry: Traversable) -> str:
    for line in entry.read_text().splitlines():
        match = DESC.match(line.strip())
        if match:
            return match.group(1).strip()
    return ""


def collect(root: Traversable, prefix: str = "") -> dict[str, dict[str, str]]:
    """{group path: {option: description}} for every folder of YAML files below `root`."""
    groups: dict[str, dict[str, str]] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            group = f"{prefix}{entry.name}"
            options = {e.name[:-5]: describe(e) for e in entry.iterdir() if e.name.endswith(".yaml")}
            if options:
                groups[group] = dict(sorted(options.items()))
            groups.update(collect(entry, f"{group}/"))
    return groups


def render(groups: dict[str, dict[str, str]]) -> str:
    width = max((len(o) for options in groups.values() for o in options), default=0)
    blocks = []
    for group, options in groups.items():
        lines = [f"  {name:<{width}}  {desc}".rstrip() for name, desc in options.items()]
        blocks.append(f"{group}:\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def markdown_names(groups: dict[str, dict[str, str]]) -> str:
    """The README's table: each group and its options' names."""
    rows = [f"| `{group}` | {', '.join(f'`{name}`' for name in options)} |" for group, options in groups.items()]
    return "\n".join(["| group | options |", "|---|---|", *rows])


def escape_markdown(text: str) -> str:
    """A description inside a table cell: `|` would end the cell, `<network>` would be read as HTML."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown_descriptions(groups: dict[str, dict[str, str]]) -> str:
    """docs/options.md's body: every option with its `# desc:` line, a table per group."""
    sections = []
    for group, options in groups.items():
        rows = [f"| `{group}={name}` | {escape_markdown(desc)} |" for name, desc in options.items()]
        sections.append("\n".join([f"## `{group}`", "", "| option | what it is |", "|---|---|", *rows]))
    return "\n\n".join(sections)


def run(args: list[str]) -> int:
    groups = collect(files("genlab.configs"))
    if args and args[0] in ("-h", "--help"):
        print("usage: genlab list [group]\n\ngroups: " + ", ".join(groups))
        return 0
    if args:
        wanted = args[0]
        if wanted not in groups:
            print(f"genlab: error: unknown config group {wanted!r}; choose one of {', '.join(groups)}", file=sys.stderr)
            return 2
        groups = {wanted: groups[wanted]}
    print(render(groups))
    return 0
