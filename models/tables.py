"""Typed tables from raw cells: every bad cell becomes an Issue located by file, line and ID.

The checks run column-wise with pandas; Python only loops over the rows that are wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from models.caps import CONTROL, MAX_TEXT, text_problem
from models.errors import Issue
from models.lenient import read_number, share_hint
from models.schema import Column, Table

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_LABEL = re.compile(r"^[a-z][a-z0-9_]*$")
_ASCII_ID = re.compile(r"[A-Za-z0-9_.\-]+")


def csv_line(index: pd.Index) -> np.ndarray:
    """CSV line of each row (the header is line 1), for rows read in file order."""
    return np.asarray(index, dtype=np.int64) + 2


def row_ids(table: Table, frame: pd.DataFrame) -> pd.Series:
    """The key of each row as text, e.g. ``P-0132`` or ``abai/2027``."""
    present = [c for c in table.key if c in frame.columns]
    if not present:
        return pd.Series([""] * len(frame), index=frame.index)
    text = frame[present].astype("string").fillna("?")
    return text.iloc[:, 0] if len(present) == 1 else text.agg("/".join, axis=1)


def issues_where(
    table: Table,
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    column: str,
    message: str | pd.Series,
) -> list[Issue]:
    """One Issue per row where ``mask`` holds; ``message`` may differ per row (a Series)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    rows = frame.index[mask]
    ids = row_ids(table, frame.loc[rows])
    values = frame.loc[rows, column] if column in frame.columns else pd.Series(None, index=rows)
    texts = (message.loc[rows] if isinstance(message, pd.Series)
             else pd.Series(message, index=rows))
    return [
        Issue(table.file, column, text, line=int(line), row_id=str(rid), value=value)
        for line, rid, value, text in zip(csv_line(rows), ids, values, texts, strict=True)
    ]


def bad_rows(frame: pd.DataFrame, issues: list[Issue]) -> np.ndarray:
    """Rows of ``frame`` (read in file order) that some issue points at."""
    lines = {i.line for i in issues if i.line is not None and i.severity == "error"}
    return np.isin(csv_line(frame.index), list(lines))


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def _parse_column(
    table: Table, frame: pd.DataFrame, col: Column
) -> tuple[pd.Series, list[Issue]]:
    raw = frame[col.name]
    blank = _blank(raw)
    issues: list[Issue] = []
    if col.required:
        issues += issues_where(table, frame, blank, col.name,
                               f"is empty; expected {expectation(col)}")
    filled = ~blank
    if col.kind in ("id", "str", "enum", "label"):
        text = raw.where(filled, "" if col.default is None else str(col.default))
        text = text.astype(str).str.strip()
        long = (text.str.len() > MAX_TEXT[col.text_kind]) | text.str.contains(CONTROL)
        issues += issues_where(table, frame, long, col.name, text.where(long).map(
            lambda t: text_problem(t, col.text_kind), na_action="ignore"))
        filled &= ~long
        if col.ascii:
            bad = filled & ~text.str.fullmatch(_ASCII_ID)
            issues += issues_where(table, frame, bad, col.name,
                                   "is not a short ASCII id; expected letters, digits, _ or -")
        if col.kind == "enum":
            bad = filled & ~text.isin(col.choices)
            issues += issues_where(table, frame, bad, col.name,
                                  f"is not allowed; expected one of: {', '.join(col.choices)}")
        elif col.kind == "label":
            bad = filled & ~text.str.match(_LABEL)
            issues += issues_where(table, frame, bad, col.name,
                                  "is not a lower_snake_case label (e.g. social_protection)")
        return text, issues
    if col.kind == "bool":
        lowered = raw.astype(str).str.strip().str.lower()
        bad = filled & ~lowered.isin(_TRUE | _FALSE)
        issues += issues_where(table, frame, bad, col.name,
                               "is not a boolean; expected true or false")
        return lowered.isin(_TRUE).where(filled, bool(col.default)), issues
    numbers, hints = _numbers(raw, filled, col)
    unread = filled & numbers.isna()
    issues += issues_where(table, frame, unread, col.name, hints.where(
        hints.notna(), f"is not a number; expected {expectation(col)}"))
    cap = col.limit
    finite = pd.Series(np.isfinite(numbers), index=numbers.index)
    issues += issues_where(table, frame, numbers.notna() & ~finite, col.name,
                           f"is not a finite number; expected {expectation(col)}")
    if col.kind in ("int", "year"):
        issues += issues_where(table, frame, finite & (numbers != numbers.round()), col.name,
                               "is not a whole number")
    low = cap.low if col.minimum is None else max(cap.low, col.minimum)
    below, above = finite & (numbers < low), finite & (numbers > cap.high)
    issues += issues_where(table, frame, below, col.name,
                           f"is below {low:g}; expected {expectation(col)}")
    above_message = pd.Series(cap.above(), index=numbers.index)
    if col.kind == "share":  # 71 for 71%: say how to write it
        percent = above & (numbers <= 100)
        above_message[percent] += numbers[percent].map(share_hint)
    issues += issues_where(table, frame, above, col.name, above_message)
    numbers = numbers.where(finite & ~below & ~above)  # a bad cell is already an Issue
    if col.default is not None:
        numbers = numbers.fillna(col.default)
    if col.kind in ("int", "year"):
        return numbers.round().astype("Int64"), issues
    return numbers, issues


def _numbers(raw: pd.Series, filled: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """The numbers of a column; cells the strict reading refuses get ``read_number``'s look.

    Returns the numbers (NaN where none) and, per cell, a hint when the text is a number the
    column cannot take as written (``1,234``; ``5%`` outside a share column).
    """
    numbers = pd.to_numeric(raw.where(filled), errors="coerce").astype(float)
    hints = pd.Series(None, index=raw.index, dtype=object)
    for i in map(int, np.flatnonzero(filled & numbers.isna())):  # only the cells refused
        value, hint = read_number(str(raw.iat[i]), col.kind)
        if value is not None:
            numbers.iat[i] = value
        elif hint is not None:
            hints.iat[i] = f"{hint}; expected {expectation(col)}"
    return numbers, hints


def expectation(col: Column) -> str:
    """What a cell of ``col`` must hold, as an error message says it (``a whole number``)."""
    return {
        "id": "an ID",
        "str": "text",
        "int": "a whole number",
        "year": "a year",
        "float": "a number",
        "money": f"an amount in {col.unit or 'million KZT'}",
        "persons": "a number of persons",
        "share": "a share in [0, 1]",
        "bool": "true or false",
        "enum": f"one of: {', '.join(col.choices)}",
        "label": "a lower_snake_case label",
    }[col.kind]


def parse_table(table: Table, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Issue]]:
    """Type every contract column, keep extra columns, report every bad cell and duplicate key."""
    frame = frame.reset_index(drop=True)
    issues: list[Issue] = []
    missing = [c.name for c in table.columns if c.required and c.name not in frame.columns]
    for name in missing:
        issues.append(Issue(table.file, name, "column is missing (required)"))
    if missing:
        return frame, issues
    typed = frame.copy()
    for col in table.columns:
        if col.name not in typed.columns:
            typed[col.name] = pd.Series([col.default] * len(typed), index=typed.index,
                                        dtype=object)
            frame = frame.assign(**{col.name: typed[col.name]})
        typed[col.name], found = _parse_column(table, frame, col)
        issues += found
    key = list(table.key)
    duplicated = typed.duplicated(key, keep="first")
    if duplicated.any():
        first = pd.Series(typed.index, index=typed.index).groupby(
            [typed[k] for k in key], dropna=False).transform("min")
        message = ("repeats the row on line " + (first + 2).astype(str)
                   + f"; {'/'.join(key)} must be unique")
        issues += issues_where(table, typed, duplicated, table.key[-1], message)
    return typed, issues


def unique_headers(names: Sequence[str], file: str, place: Callable[[int], str]
                   ) -> tuple[dict[str, int], list[Issue]]:
    """Position of each column name (blank ones skipped); a name heading two columns is an issue.

    Without it pandas would silently rename the second ``capex.1`` and read the first only.
    ``place`` names a column position for the message (``C`` in a sheet, ``3`` in a CSV file).
    """
    keep: dict[str, int] = {}
    issues = []
    for position, raw in enumerate(names):
        name = str(raw).strip()
        if name and name in keep:
            issues.append(Issue(file, name, f"is the header of two columns ({place(keep[name])} "
                                f"and {place(position)}); keep one", line=1))
        elif name:
            keep[name] = position
    return keep, issues
