"""The JSON form of an instance: one document with the settings and every table as records.

Layout (``docs/reports.md``)::

    {"settings": {...instance.yaml as JSON...},
     "tables": {"regions": [{"region_id": "abai", "kind": "oblast", ...}, ...], ...}}

Numeric and boolean cells are written as JSON numbers and booleans, empty cells as ``null``,
everything else (extra columns included) as text. Reading gives back the raw text tables of
``models.folder.read_folder``, so the three forms share one validation. The cell conversions
here are also used by the workbook form (``models.workbook``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.caps import MAX_DEPTH, MAX_ROWS
from models.errors import WHOLE_FILE, InstanceError, Issue, short
from models.folder import SETTINGS_FILE, written_tables
from models.reading import UnreadableError, depth, load_json
from models.safe_output import OutputTarget, write_output
from models.schema import TABLES

NUMERIC_KINDS = frozenset({"int", "year", "float", "money", "persons", "share"})
_EXACT_INT = 2**53
"""Integral floats below this print as whole numbers without losing digits."""

RawInstance = tuple[dict[str, Any], dict[str, pd.DataFrame], tuple[Issue, ...]]
"""Raw settings mapping, raw text tables and problems found while reading."""
Locator = Callable[[str | Path, Mapping[str, pd.DataFrame]], Callable[[Issue], Issue]]
"""Given a one-file form's path and its raw tables, maps a folder-form issue to that form."""


def cell_text(value: object) -> str:
    """A cell as the text a CSV file would hold: empty for missing, ``40000`` not ``40000.0``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        number = float(value)
        if math.isnan(number):
            return ""
        if number.is_integer() and abs(number) < _EXACT_INT:
            return str(int(number))
        return repr(number)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def cell_values(column: pd.Series, kind: str | None) -> list[object]:
    """Cells as typed values for JSON or Excel, so numbers stay numbers for the analyst.

    Numbers and booleans where the column's kind expects them and the text reads as one (the
    rule of validation), else the text itself.

    A cell that does not read (``40 000``) stays text, so a broken instance converts unchanged.
    """
    text = column.map(cell_text)
    values: list[object] = [None if t.strip() == "" else t for t in text]
    if kind in NUMERIC_KINDS:
        numbers = pd.to_numeric(text.where(text.str.strip() != ""), errors="coerce")
        for i, number in enumerate(numbers):
            if pd.notna(number) and math.isfinite(number):
                whole = float(number).is_integer() and abs(number) < _EXACT_INT
                values[i] = int(number) if whole else float(number)
    elif kind == "bool":
        lowered = text.str.strip().str.lower()
        for i, word in enumerate(lowered):
            if word in ("true", "false"):
                values[i] = word == "true"
    return values


def int_keys(value: Any) -> Any:
    """Mappings with digit keys (``"2030"``) keyed by int, as YAML reads years.

    A key whose int another key already gives (``"02030"`` after ``"2030"``) stays text, so
    that validation reports the two instead of the last silently replacing the first.
    """
    if not isinstance(value, Mapping):
        return value
    keyed: dict[Any, Any] = {}
    for key, item in value.items():
        number = int(key) if isinstance(key, str) and key.isdigit() and len(key) < 20 else key
        keyed[key if number in keyed else number] = int_keys(item)
    return keyed


def table_records(name: str, frame: pd.DataFrame) -> list[dict[str, object]]:
    """A table as JSON records, typed by the contract's column kinds (extra columns as text)."""
    kinds = {c.name: c.kind for c in TABLES[name].columns}
    columns = {col: cell_values(frame[col], kinds.get(col)) for col in frame.columns}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def save_json(settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
              file: Path) -> None:
    """Save an instance as one JSON document at ``file`` (columns in their order)."""
    document = {"settings": dict(settings),
                "tables": {t.name: table_records(t.name, tables[t.name])
                           for t in written_tables(tables)}}
    file.write_text(json.dumps(document, indent=1, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")


def write_json(
    settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
    path: str | Path | OutputTarget,
) -> Path:
    """Write an instance as one JSON document, safely (``models.safe_output``)."""
    return write_output(path, "instance-file", lambda file: save_json(settings, tables, file))


def _records_frame(name: str, records: list[Any]) -> tuple[pd.DataFrame, list[Issue]]:
    """Records as a text table (an empty list still has the contract columns).

    A cell that is a list or an object is an Issue and reads as empty.
    """
    if not records:
        return pd.DataFrame(columns=list(TABLES[name].column_names), dtype=str), []
    frame = pd.DataFrame.from_records(records)
    nested = frame.map(lambda v: isinstance(v, dict | list))
    text = frame.mask(nested, None).map(cell_text)
    key = TABLES[name].key[0]
    issues = [Issue(TABLES[name].file, str(column), "must be a number, text, true, false or "
                    "null, not a list or an object", line=int(row) + 2,
                    row_id=short(text[key].iloc[row]) if key in text else None)
              for column in frame.columns[nested.any()]
              for row in np.flatnonzero(nested[column])]
    return text, issues


def read_json(path: str | Path) -> RawInstance:
    """Read the raw settings and text tables of a JSON instance document.

    Raises:
        InstanceError: the file is missing or is not a JSON document with ``settings`` and
            ``tables`` objects (too big, too deep, ``NaN``, a huge number: not a document).
    """
    file = Path(path)
    try:
        document = load_json(file)
    except UnreadableError as exc:
        raise InstanceError([Issue(str(file), WHOLE_FILE, str(exc))], source=str(file)) from None
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raise InstanceError([Issue(str(file), WHOLE_FILE, 'must be a JSON object with "settings" '
                                   'and "tables" (see docs/reports.md)')], source=str(file))
    issues: list[Issue] = []
    settings = document.get("settings")
    if not isinstance(settings, dict):
        issues.append(Issue(SETTINGS_FILE, WHOLE_FILE, "must be an object of settings"))
        settings = {}
    for key in [k for k, v in settings.items() if depth(v) >= MAX_DEPTH]:
        issues.append(Issue(SETTINGS_FILE, short(key), f"is nested more than {MAX_DEPTH} "
                            "levels deep; no setting is"))
        del settings[key]
    tables: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        records = document["tables"].get(name)
        if records is None:
            continue  # reported as a missing table by validation
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            issues.append(Issue(table.file, WHOLE_FILE, "must be a list of records (objects)"))
        elif len(records) > MAX_ROWS:
            issues.append(Issue(table.file, WHOLE_FILE, f"has {len(records):,} records; the cap "
                                f"is {MAX_ROWS:,} rows per table"))
        else:
            tables[name], found = _records_frame(name, records)
            issues += found
    return int_keys(settings), tables, tuple(issues)


def relabel(issue: Issue, table: str, line: int | None, names: Mapping[str, str]) -> Issue:
    """The issue placed in another form: new table label and line, file names in the message.

    ``names`` maps the folder's file names to the form's (``settlements.csv`` -> ``sheet
    settlements``).
    """
    message = issue.message
    for old, new in names.items():
        message = message.replace(old, new)
    return replace(issue, table=table, line=line, message=message)


def place_in_json(path: str | Path, tables: Mapping[str, pd.DataFrame] | None = None
                  ) -> Callable[[Issue], Issue]:
    """Locate validation issues in a JSON document: ``kz.json tables.projects[12]``."""
    label = Path(path).name
    names = {t.file: f"tables.{n}" for n, t in TABLES.items()} | {SETTINGS_FILE: "settings"}

    def place(issue: Issue) -> Issue:
        if issue.table not in names:
            return issue
        where = f"{label} {names[issue.table]}"
        if issue.line is not None:
            where += f"[{issue.line - 2}]"  # csv_line numbers rows from 2
        return relabel(issue, where, None, names)

    return place
