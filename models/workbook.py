"""The workbook form of an instance: one ``.xlsx`` with a ``settings`` sheet and a sheet per table.

Layout (``docs/reports.md``): the ``settings`` sheet has columns ``key | value | note``, one
row per setting, nested keys dotted (``budget.envelope.2027``, ``targets.urban.2030``,
``objective.category_weights.health``) and ``years`` as a comma list (``2026, 2027, 2028``);
an empty value leaves the key unset. Each table sheet has the column names in row 1, with the
unit in brackets (``capex (million KZT)``; a comment on each header says what a cell must
hold), and one row per record from row 2, so the Excel row number is the CSV line number of
the folder form. Enumerated columns and references to other sheets get drop-down lists.
Reading (``models.sheet_reading``) gives the raw text tables of ``models.folder.read_folder``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName

from models.errors import WHOLE_FILE, InstanceError, Issue
from models.folder import SETTINGS_FILE, written_tables
from models.jsonform import RawInstance, relabel
from models.reading import UnreadableError
from models.safe_output import OutputTarget, write_output
from models.schema import TABLES
from models.settings_sheet import (
    SETTINGS_COLUMNS,
    SETTINGS_SHEET,
    flatten,
    key_lines,
    setting_note,
    settings_rows,
    unflatten,
)
from models.sheet_reading import Grid, formula_cells, open_workbook, sheet_rows, table_frame
from models.sheets import ID_LIST, column_note, drop_downs, header_text, id_list, write_frame

EMPTY_TEMPLATE = ("holds no records yet, only the template's example rows (which srsopt skips): "
                  "fill the settings and the table sheets below the examples; the Instructions "
                  "sheet says what each holds")
_LINE = re.compile(r"the row on line (\d+)")
"""A reference to another record in a message (``repeats the row on line 8``)."""


# --- reading ------------------------------------------------------------------------------

def read_workbook(path: str | Path) -> RawInstance:
    """Read the raw settings and text tables of an instance workbook (formulas as last computed).

    A formula Excel never computed, in a cell that would otherwise be read, is a located issue
    (``models.sheet_reading.formula_cells``); the template's example records are skipped, and a
    workbook that holds nothing else says so.

    Raises:
        InstanceError: the file is missing, too big, or not an ``.xlsx`` workbook.
    """
    try:
        book = open_workbook(Path(path))
    except UnreadableError as exc:
        raise InstanceError([Issue(str(path), WHOLE_FILE, str(exc))], source=str(path)) from None
    issues: list[Issue] = []
    grids: dict[str, tuple[str, Grid]] = {}
    try:
        sheets = {ws.title.strip().lower(): ws for ws in book.worksheets}
        for name, file in ((SETTINGS_SHEET, SETTINGS_FILE),
                           *((n, t.file) for n, t in TABLES.items())):
            if name not in sheets:
                if name not in TABLES or not TABLES[name].optional:
                    issues.append(Issue(file, WHOLE_FILE, "sheet is missing"))
                continue
            try:
                grids[name] = sheets[name].title, sheet_rows(sheets[name])
            except UnreadableError as exc:
                issues.append(Issue(file, WHOLE_FILE, str(exc)))
    finally:
        book.close()
    formulas = formula_cells(Path(path), dict(grids.values()))

    def cells(name: str) -> set[tuple[int, int]]:
        return {(r, c) for title, r, c in formulas if title == grids[name][0]}

    settings: dict[str, Any] = {}
    if SETTINGS_SHEET in grids:
        rows, found = settings_rows(grids[SETTINGS_SHEET][1], cells(SETTINGS_SHEET))
        settings, clashes = unflatten(rows)
        issues += found + clashes
    tables: dict[str, pd.DataFrame] = {}
    examples = 0
    for name, table in TABLES.items():
        if name in grids:
            tables[name], found, skipped = table_frame(grids[name][1], table, cells(name))
            issues += found
            examples += skipped
    if examples and not any(len(frame) for frame in tables.values()):
        issues.append(Issue(Path(path).name, WHOLE_FILE, EMPTY_TEMPLATE))
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
            return key_lines(sheet_rows(sheet)) if sheet is not None else {}
        finally:
            book.close()

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


def fill_workbook(book: Workbook, settings: Mapping[str, Any],
                  tables: Mapping[str, pd.DataFrame], examples: int = 0) -> None:
    """Add the settings sheet and a sheet per table to a write-only ``book``.

    ``examples``: how many first records of each table are the template's examples (shown
    grey). Each referenced table's ids get a defined name, the source of the drop-downs of
    the columns that name them (``settlements.region_id`` offers the ids of ``regions``).
    """
    rows = flatten(settings)
    frame = pd.DataFrame({"key": [k for k, _ in rows], "value": [v for _, v in rows],
                          "note": [setting_note(k) for k, _ in rows]}, columns=SETTINGS_COLUMNS)
    write_frame(book.create_sheet(SETTINGS_SHEET), frame, {"value": "float"},
                notes={"value": "Empty: the key is not set (its default applies)."})
    written = written_tables(tables)
    for name in sorted({col.refers for t in written for col in t.columns if col.refers}):
        key = list(tables[name].columns).index(TABLES[name].key[0])
        book.defined_names[ID_LIST.format(name)] = DefinedName(
            ID_LIST.format(name), attr_text=id_list(name, key + 1))
    for table in written:
        name = table.name
        ws = book.create_sheet(name)
        columns = {c.name: c for c in table.columns}
        drop_downs(ws, tables[name], columns)
        write_frame(ws, tables[name], {c: col.kind for c, col in columns.items()},
                    notes={c: column_note(col) for c, col in columns.items()},
                    required=[c.name for c in table.columns if c.required],
                    headers={c: header_text(col) for c, col in columns.items()},
                    muted=examples)


def save_workbook(settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
                  file: Path) -> None:
    """Save an instance workbook at ``file`` (raw or typed tables, columns in their order)."""
    book = Workbook(write_only=True)
    fill_workbook(book, settings, tables)
    book.save(file)


def write_workbook(
    settings: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
    path: str | Path | OutputTarget,
) -> Path:
    """Write an instance as one workbook, safely (``models.safe_output``)."""
    return write_output(path, "instance-file", lambda file: save_workbook(settings, tables, file))
