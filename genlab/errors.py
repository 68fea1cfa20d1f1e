"""The one exception type that reaches a person.

Anything raised as `GenlabError` is printed by the CLI as a one- or two-line message (naming the
bad value and the fix) with a non-zero exit, instead of a traceback.
"""


class GenlabError(Exception):
    """A problem with the user's input: config values, data, checkpoints."""


def find_user_error(exc: BaseException | None) -> GenlabError | None:
    """The GenlabError behind `exc`, also when Hydra's instantiate wrapped it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, GenlabError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def printable(text: str) -> str:
    """`text` with every character a terminal would not show as itself (newlines, control and
    separator characters, which `str.splitlines` also breaks at) written as its escape, so that a
    message naming a value from a file stays one line whatever the file holds."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
