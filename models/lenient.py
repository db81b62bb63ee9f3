"""Numbers as analysts type them: ``1 234,5``, ``0,85``, ``71%``, a date in a year column.

The strict reading of a cell (``pd.to_numeric`` in ``models.tables.parse_table``) comes first;
only the cells it refuses get this second look, one by one. A text that can mean one number
only becomes that number; a text that could mean two (``1,234``: a thousand and more, or one
and a quarter?) stays an error whose message says how to write it. The rules are listed in
docs/instance-format.md ("Numbers as typed in Excel") and hold for every form of an instance.
"""

from __future__ import annotations

import re

SPACES = "\u00a0\u202f\u2009\u2007\u200a"
"""No-break, narrow no-break, thin, figure and hair spaces: Excel and Word put them between
thousands; read as a plain space."""
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"([+-]?\d{1,3}(?: \d{3})+)(?:[.,](\d+))?")
"""Thousands apart by spaces, then a decimal comma or point: ``1 234 567,5``."""
_DECIMAL_COMMA = re.compile(r"([+-]?\d+),(\d+)")
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")
"""``1,234``: a thousands comma or a decimal comma; nothing in the cell says which."""
_ISO_DATE = re.compile(r"(\d{4})-\d{2}-\d{2}(?:[T ][0-9:.]*)?")
_DOTTED_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.(\d{4})(?: [0-9:.]*)?")
"""``01.01.2027``, as a Russian-locale Excel writes a date."""

Reading = tuple[float | None, str | None]
"""The number a cell means (``None``: none), and why not when there is something to say."""


def read_number(text: str, kind: str) -> Reading:
    """The number ``text`` means in a column of ``kind`` (``share``, ``year``, ``money``, ...).

    Returns ``(value, None)`` when it reads one way; ``(None, hint)`` when the text is a
    number the column cannot take as written (the hint says how to write it); ``(None, None)``
    when it is no number at all.
    """
    cell = " ".join(text.translate({ord(c): " " for c in SPACES}).split())
    if kind == "year":
        date = _ISO_DATE.fullmatch(cell) or _DOTTED_DATE.fullmatch(cell)
        if date:
            return float(date.group(1)), None
    percent = cell.endswith("%")
    if percent:
        cell = cell[:-1].rstrip()
    if _AMBIGUOUS.fullmatch(cell):
        whole, point = cell.replace(",", ""), cell.replace(",", ".")
        return None, (f"could mean {whole} or {point}; write {whole} (no thousands separator) "
                      f"or {point} (a decimal point)")
    value = _number(cell)
    if value is None or not percent:
        return value, None
    if kind == "share":
        return value / 100, None
    return None, "is a percentage, which only a share column takes; write the number itself"


def _number(cell: str) -> float | None:
    """``cell`` as a number: plain, thousands apart by spaces, or with a decimal comma."""
    if _PLAIN.fullmatch(cell):
        return float(cell)
    grouped = _GROUPED.fullmatch(cell)
    if grouped:
        whole = grouped.group(1).replace(" ", "")
        return float(f"{whole}.{grouped.group(2)}" if grouped.group(2) else whole)
    comma = _DECIMAL_COMMA.fullmatch(cell)
    if comma:
        return float(f"{comma.group(1)}.{comma.group(2)}")
    return None


def share_hint(value: float) -> str:
    """What to write for a share typed as a percentage without its sign (``71`` for 71%)."""
    return f"; for {value:g}% write {value / 100:g} or {value:g}%"
