"""User text on the terminal: printed literally and shortened, whatever it holds.

Names of instances, scenarios, regions and projects, and paths, come from the analyst's files.
Put inside a rich markup string as they are, ``[/x]`` in a scenario name crashes the printing
(in ``whatif`` after every solve, losing the comparison), an escape sequence rewrites the
terminal, and a 200 KB name takes minutes to render. Every such text goes through ``shown``.
"""

from __future__ import annotations

from rich.markup import escape

from models.errors import short

NAME_WIDTH = 80
"""Characters of a name shown on the terminal (the files keep it whole)."""
PATH_WIDTH = 160
"""Characters of a path shown on the terminal."""
_CONTROL = {code: f"\\x{code:02x}" for code in (*range(32), *range(127, 160)) if code != 10}
"""Control characters but the line break, made visible (``\\x1b``) instead of acting on the
terminal."""


def shown(value: object, width: int = NAME_WIDTH) -> str:
    """``value`` safe inside rich markup, printed as written.

    Control characters made visible, at most ``width`` characters (with an ellipsis), markup
    escaped.
    """
    return escape(literal(value, width))


def literal(value: object, width: int = PATH_WIDTH) -> str:
    """``value`` to print with ``markup=False``: control characters visible, shortened."""
    return short(str(value).translate(_CONTROL), width)


def shown_path(value: object) -> str:
    """A path safe inside rich markup, shortened to ``PATH_WIDTH``."""
    return shown(value, PATH_WIDTH)
