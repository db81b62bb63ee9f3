"""The workbook form of an instance: one ``.xlsx`` with a ``settings`` sheet and a sheet per table.

Layout (``docs/reports.md``): the ``settings`` sheet has columns ``key | value | note``, one
row per setting, nested keys dotted (``budget.envelope.2027``, ``targets.urban.2030``,
``objective.category_weights.health``) and ``years`` as a comma list (``2026, 2027, 2028``);
an empty value leaves the key unset. Each table sheet has the column names in row 1 (a comment
on each header gives the column's unit and what a cell must hold) and one row per record from
row 2, so the Excel row number is the CSV line number of the folder form. Enumerated columns
get drop-down lists. Reading gives the raw text tables of ``models.folder.read_folder``.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from models.caps import MAX_DEPTH
from models.errors import WHOLE_FILE, InstanceError, Issue
from models.folder import SETTINGS_FILE
from models.jsonform import RawInstance, cell_text, int_keys, relabel
from models.reading import UnreadableError, open_workbook, sheet_rows
from models.safe_output import OutputTarget, write_output
from models.schema import TABLES
from models.settings import InstanceSettings, ObjectiveSettings, SolverSettings
from models.sheets import column_note, drop_downs, write_frame
from models.synthetic import DEFAULT_TARGETS
from models.tables import unique_headers

SETTINGS_SHEET = "settings"
SETTINGS_COLUMNS = ("key", "value", "note")
TEMPLATE_YEARS = (2026, 2027, 2028, 2029, 2030)
"""Planning years the template's settings start from (edit the keys for another horizon)."""
_LINE = re.compile(r"the row on line (\d+)")
"""A reference to another record in a message (``repeats the row on line 8``)."""


# --- settings: dotted key/value rows -------------------------------------------------------

@functools.cache
def _settings_fields(model: type[BaseModel] = InstanceSettings, prefix: str = ""
                     ) -> dict[str, Any]:
    """Every settings key, dotted, with its pydantic field (nested models walked)."""
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        fields[prefix + name] = field
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                fields |= _settings_fields(kind, f"{prefix}{name}.")
    return fields


def _setting_note(key: str) -> str:
    """The docstring of the key's field, or of the nearest parent (``budget.envelope.2027``)."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        field = _settings_fields().get(".".join(parts[:end]))
        if field is not None:
            return " ".join((field.description or "").split())
    return ""


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested settings as dotted ``(key, value)`` rows; lists become comma lists."""
    rows: list[tuple[str, Any]] = []
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += flatten(value, dotted + ".")
        elif isinstance(value, list | tuple):
            rows.append((dotted, ", ".join(cell_text(v) for v in value)))
        else:
            rows.append((dotted, value))
    return rows


def _unflatten(rows: Sequence[tuple[int, str, str]]) -> tuple[dict[str, Any], list[Issue]]:
    """Dotted rows back to nested settings; list keys split on commas, values left as text."""
    lists = {k for k, f in _settings_fields().items() if typing.get_origin(f.annotation) is list}
    settings: dict[str, Any] = {}
    issues: list[Issue] = []
    for row, key, text in rows:
        node: Any = settings
        parts = key.split(".")
        if len(parts) > MAX_DEPTH:
            issues.append(Issue(SETTINGS_FILE, key[:80], f"has more than {MAX_DEPTH} dotted "
                                "parts; no setting is nested that deep", line=row))
            continue
        for part in parts[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
        last = parts[-1]
        if not isinstance(node, dict) or isinstance(node.get(last), dict):
            issues.append(Issue(SETTINGS_FILE, key, "clashes with another key of the sheet (a "
                                "key cannot hold both a value and dotted sub-keys)", line=row))
        elif last in node:
            issues.append(Issue(SETTINGS_FILE, key, "appears twice; keep one row", line=row))
        else:
            items = text.strip().strip("[]").split(",")
            node[last] = [i.strip() for i in items if i.strip()] if key in lists else text
    return int_keys(settings), issues


def _settings_rows(ws: Any) -> tuple[list[tuple[int, str, str]], list[Issue]]:
    """``(Excel row, key, value text)`` of every filled settings row."""
    try:
        rows = sheet_rows(ws)
    except UnreadableError as exc:
        return [], [Issue(SETTINGS_FILE, WHOLE_FILE, str(exc))]
    header = [cell_text(v).strip().lower() for v in (rows[0] if rows else ())]
    if "key" not in header or "value" not in header:
        return [], [Issue(SETTINGS_FILE, WHOLE_FILE, "needs the headers key and value in row 1")]
    k, v = header.index("key"), header.index("value")
    found = []
    for number, row in enumerate(rows[1:], start=2):
        key = cell_text(row[k] if k < len(row) else None).strip()
        text = cell_text(row[v] if v < len(row) else None).strip()
        if key and text:
            found.append((number, key, text))
    return found, []


# --- table sheets --------------------------------------------------------------------------

def _sheet_frame(ws: Any, file: str) -> tuple[pd.DataFrame | None, list[Issue]]:
    """A table sheet as text cells, empty rows skipped (``None`` beyond the row cap).

    ``attrs["rows"]`` keeps the Excel row of each record so that issues can name it.
    """
    try:
        rows = [[cell_text(v) for v in row] for row in sheet_rows(ws)]
    except UnreadableError as exc:
        return None, [Issue(file, WHOLE_FILE, str(exc))]
    keep, issues = unique_headers(rows[0] if rows else [], file,
                                  lambda i: get_column_letter(i + 1))
    numbers = [n for n, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)]
    body = [rows[n - 1] for n in numbers]
    frame = pd.DataFrame({name: [r[i] if i < len(r) else "" for r in body]
                          for name, i in keep.items()}, index=range(len(body)), dtype=str)
    frame.attrs["rows"] = numbers
    return frame, issues


def read_workbook(path: str | Path) -> RawInstance:
    """Read the raw settings and text tables of an instance workbook (formulas as last computed).

    Raises:
        InstanceError: the file is missing, too big, or not an ``.xlsx`` workbook.
    """
    try:
        book = open_workbook(Path(path))
    except UnreadableError as exc:
        raise InstanceError([Issue(str(path), WHOLE_FILE, str(exc))], source=str(path)) from None
    try:
        sheets = {ws.title.strip().lower(): ws for ws in book.worksheets}
        issues: list[Issue] = []
        settings: dict[str, Any] = {}
        if SETTINGS_SHEET in sheets:
            rows, issues = _settings_rows(sheets[SETTINGS_SHEET])
            settings, clashes = _unflatten(rows)
            issues += clashes
        else:
            issues.append(Issue(SETTINGS_FILE, WHOLE_FILE, "sheet is missing"))
        tables: dict[str, pd.DataFrame] = {}
        for name, table in TABLES.items():
            if name not in sheets:
                issues.append(Issue(table.file, WHOLE_FILE, "sheet is missing"))
                continue
            frame, found = _sheet_frame(sheets[name], table.file)
            issues += found
            if frame is not None:
                tables[name] = frame
    finally:
        book.close()
    return settings, tables, tuple(issues)


def place_in_workbook(path: str | Path, tables: Mapping[str, pd.DataFrame]
                      ) -> Callable[[Issue], Issue]:
    """Locate validation issues in the workbook: ``kz.xlsx sheet projects`` and the Excel row.

    ``tables`` are those ``read_workbook`` returned: their ``attrs["rows"]`` turn a record's
    position (``csv_line``) into its Excel row. A settings issue gets the row of its key.
    """
    label = Path(path).name
    names = {t.file: f"sheet {n}" for n, t in TABLES.items()} | {SETTINGS_FILE: "sheet settings"}
    rows_of = {TABLES[n].file: f.attrs.get("rows", []) for n, f in tables.items()}

    def excel_row(file: str, line: int) -> int:
        rows = rows_of.get(file, [])
        return rows[line - 2] if 0 <= line - 2 < len(rows) else line

    @functools.cache
    def key_rows() -> dict[str, int]:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = next((ws for ws in book.worksheets if ws.title.lower() == SETTINGS_SHEET), None)
            rows = _settings_rows(sheet)[0] if sheet is not None else []
        finally:
            book.close()
        return {key: number for number, key, _ in reversed(rows)}

    def place(issue: Issue) -> Issue:
        if issue.table not in names:
            return issue
        line = issue.line
        if issue.table in rows_of and line is not None:
            line = excel_row(issue.table, line)
            issue = replace(issue, message=_LINE.sub(
                lambda m: f"row {excel_row(issue.table, int(m[1]))}", issue.message))
        if issue.table == SETTINGS_FILE and line is None and issue.field != WHOLE_FILE:
            rows = key_rows()
            near = [n for k, n in rows.items() if k.startswith(issue.field + ".")]
            line = rows.get(f"{issue.field}.{issue.value}", rows.get(issue.field, min(
                near, default=None)))
        return relabel(issue, f"{label} {names[issue.table]}", line, names)

    return place


# --- writing ------------------------------------------------------------------------------


def save_workbook(settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
                  file: Path) -> None:
    """Save an instance workbook at ``file`` (raw or typed tables, columns in their order)."""
    book = Workbook(write_only=True)
    rows = flatten(settings)
    frame = pd.DataFrame({"key": [k for k, _ in rows], "value": [v for _, v in rows],
                          "note": [_setting_note(k) for k, _ in rows]}, columns=SETTINGS_COLUMNS)
    write_frame(book.create_sheet(SETTINGS_SHEET), frame, {"value": "float"},
                notes={"value": "Empty: the key is not set (its default applies)."})
    for name, table in TABLES.items():
        ws = book.create_sheet(name)
        columns = {c.name: c for c in table.columns}
        drop_downs(ws, tables[name], columns)
        write_frame(ws, tables[name], {c: col.kind for c, col in columns.items()},
                    notes={c: column_note(col) for c, col in columns.items()},
                    required=[c.name for c in table.columns if c.required])
    book.save(file)


def write_workbook(
    settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
    path: str | Path | OutputTarget,
) -> Path:
    """Write an instance as one workbook, safely (``models.safe_output``)."""
    return write_output(path, "instance-file", lambda file: save_workbook(settings, tables, file))


def template_settings(years: Sequence[int] = TEMPLATE_YEARS) -> dict[str, Any]:
    """Settings to start from: required keys empty, SRS targets for the last year, defaults."""
    return {
        "name": None, "description": None, "years": list(years),
        "targets": {area: {years[-1]: share} for area, share in DEFAULT_TARGETS.items()},
        "budget": {"envelope": dict.fromkeys(years), "carryover": False},
        "objective": ObjectiveSettings().model_dump(),
        "solver": SolverSettings().model_dump(),
    }


def write_template(path: str | Path | OutputTarget) -> Path:
    """An empty instance workbook: every sheet and contract column, notes and drop-downs."""
    empty = {name: pd.DataFrame(columns=list(t.column_names)) for name, t in TABLES.items()}
    return write_output(path, "template",
                        lambda file: save_workbook(template_settings(), empty, file))
