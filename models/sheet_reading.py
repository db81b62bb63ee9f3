"""A table sheet read as an analyst fills it: units in headers, dates, formulas, examples.

``models.workbook`` reads each table sheet through ``table_frame``: the header ``capex
(million KZT)`` names the column ``capex``; a date in a year column is its year; a formula
Excel never computed is a located error instead of an empty cell; the template's example
records (key ``example: ...``) are skipped. What is left is the text table every form gives
to ``models.tables.parse_table``, where numbers typed as text are read (``models.lenient``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from models.caps import CAPS
from models.errors import Issue
from models.jsonform import cell_text
from models.schema import Table
from models.tables import row_ids, unique_headers

EXAMPLE = "example:"
"""A record whose key starts with this (``example: abai``, any case) is an example: skipped."""
FORMULA_MESSAGE = ("is a formula without a value computed by Excel (the file was written by a "
                   "program, or saved without calculating): open and save the file in Excel "
                   "first, or type the value")
_WITH_UNIT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(.*\)\s*")
"""``capex (million KZT)``: a column name and, in brackets, its unit."""

Grid = Sequence[Sequence[object]]
"""A sheet's rows of cell values, header first (``models.reading.sheet_rows``)."""


class ExcelRows(tuple[int, ...]):
    """The Excel row of each record of a frame (``attrs["rows"]``), shared by its copies.

    pandas deep-copies a frame's ``attrs`` at nearly every operation: a list of 80,000 rows
    doubled the time to validate the national workbook. Immutable, so a copy is itself.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, object]) -> ExcelRows:
        return self


def column_name(header: str, table: Table) -> str:
    """The column a header names: ``capex (million KZT)`` is ``capex`` when the table has it."""
    bracketed = _WITH_UNIT.fullmatch(header)
    if bracketed and bracketed.group(1) in table.column_names:
        return bracketed.group(1)
    return header.strip()


def excel_year(value: dt.date) -> int:
    """The year a date cell of a year column means.

    A whole number typed into a date-formatted cell (``2027`` shown as ``19.07.1905``) is that
    number when it is a year in the cap's range (1900..2200); any other date gives its year.
    """
    serial = to_excel(value)
    year = CAPS["year"]
    if float(serial).is_integer() and year.low <= serial <= year.high:
        return int(serial)
    return value.year


def _text(value: object, year: bool) -> str:
    if year and isinstance(value, dt.date) and not isinstance(value, dt.time):
        return str(excel_year(value))
    return cell_text(value)


def is_example(key: str) -> bool:
    """Whether a record's key marks it as the template's example (``example: abai``)."""
    return key.strip().lower().startswith(EXAMPLE)


def table_frame(rows: Grid, table: Table, formulas: set[tuple[int, int]]
                ) -> tuple[pd.DataFrame, list[Issue], int]:
    """A table sheet as text cells: the frame, its issues, and how many examples were skipped.

    ``formulas``: the (row, column) of cells that are formulas without a value, each an
    issue. Empty rows are skipped; ``attrs["rows"]`` keeps the Excel row of each record so
    that issues can name it.
    """
    names = [column_name(cell_text(v), table) for v in (rows[0] if rows else ())]
    keep, issues = unique_headers(names, table.file, lambda i: get_column_letter(i + 1))
    years = {i for name, i in keep.items() for col in table.columns
             if col.name == name and col.kind == "year"}
    columns = list(keep.values())
    body: list[list[str]] = []
    numbers: list[int] = []
    skipped = 0
    key = keep.get(table.key[0])
    for number, row in enumerate(rows[1:], start=2):
        cells = [_text(row[i], i in years) if i < len(row) else "" for i in columns]
        if not any(c.strip() for c in cells) and not any(
                (number, i + 1) in formulas for i in columns):
            continue
        if key is not None and is_example(cells[columns.index(key)]):
            skipped += 1
            continue
        body.append(cells)
        numbers.append(number)
    frame = pd.DataFrame({name: [r[k] for r in body] for k, name in enumerate(keep)},
                         index=range(len(body)), dtype=str)
    frame.attrs["rows"] = ExcelRows(numbers)
    position = {number: i for i, number in enumerate(numbers)}
    name_of = {i + 1: name for name, i in keep.items()}
    for number, column in sorted(formulas):
        if number in position and column in name_of:
            i = position[number]
            key_text = str(row_ids(table, frame.iloc[[i]]).iloc[0])
            issues.append(Issue(table.file, name_of[column], FORMULA_MESSAGE, line=i + 2,
                                row_id=key_text if key_text.strip("/") else None))
    return frame, issues, skipped
