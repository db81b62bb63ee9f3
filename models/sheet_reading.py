"""Workbook sheets read safely, and as an analyst fills them: units, dates, formulas, examples.

``open_workbook`` and ``sheet_rows`` cap a workbook's size, unzipped size and rows before a
cell is read (as ``models.reading`` does for the other forms).

``models.workbook`` reads each table sheet through ``table_frame``: the header ``capex
(million KZT)`` names the column ``capex``; a date in a year column is its year; a formula
Excel never computed is a located error instead of an empty cell; the template's example
records (key ``example: ...``) are skipped. What is left is the text table every form gives
to ``models.tables.parse_table``, where numbers typed as text are read (``models.lenient``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from models.caps import CAPS, MAX_ROWS, MAX_UNPACKED_BYTES
from models.errors import Issue
from models.jsonform import cell_text
from models.reading import UnreadableError, check_size, megabytes
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
"""A sheet's rows of cell values, header first (``sheet_rows``)."""


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
    serial = to_excel(value)  # type: ignore[no-untyped-call]  # openpyxl's stubs leave it untyped
    year = CAPS["year"]
    if float(serial).is_integer() and year.low <= serial <= year.high:
        return int(serial)
    return value.year


def _text(value: object, year: bool) -> str:
    if year and isinstance(value, dt.date):  # a datetime too
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
    key = list(keep).index(table.key[0]) if table.key[0] in keep else None
    for number, row in enumerate(rows[1:], start=2):
        cells = [_text(row[i], i in years) if i < len(row) else "" for i in columns]
        if not any(c.strip() for c in cells) and not any(
                (number, i + 1) in formulas for i in columns):
            continue
        if key is not None and is_example(cells[key]):
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


# --- opening a workbook safely -------------------------------------------------------------

def open_workbook(path: Path) -> Any:
    """An ``.xlsx`` workbook opened read-only, once its size on disk and unzipped is capped.

    Raises:
        UnreadableError: too big, missing, or not an ``.xlsx`` workbook.
    """
    try:
        check_size(path)
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise UnreadableError(f"unzips to {megabytes(unpacked)}; the cap for a workbook is "
                              f"{megabytes(MAX_UNPACKED_BYTES)} unzipped")
        return load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        if isinstance(exc, UnreadableError):
            raise
        raise UnreadableError(f"cannot be read as an .xlsx workbook: {exc}") from None


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
"""A formula element of a sheet's XML (``<f>A2*2</f>``, ``<f t="shared" si="0"/>``)."""


def _has_formulas(path: Path) -> bool:
    """Whether any sheet of the workbook holds a formula (its XML scanned, not parsed)."""
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                continue
            with archive.open(part) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def formula_cells(path: Path, grids: Mapping[str, Sequence[Sequence[Any]]]
                  ) -> set[tuple[str, int, int]]:
    """Cells that read as empty in ``grids`` but hold a formula: (sheet title, row, column).

    ``grids`` are sheets read with ``data_only`` (``sheet_rows``), by title. A formula whose
    value Excel never computed (a file written by a program and never saved in Excel) has no
    cached value and reads as empty. The workbook is opened a second time, with its formulas,
    only when a sheet has an empty cell below its header and the file holds a formula at all;
    only such sheets are read again. Rows and columns count from 1.
    """
    wanted = {title: rows for title, rows in grids.items()
              if any(None in row for row in rows[1:])}
    if not wanted or not _has_formulas(path):
        return set()
    found: set[tuple[str, int, int]] = set()
    book = load_workbook(path, read_only=True, data_only=False)
    try:
        for title, rows in wanted.items():
            lines = book[title].iter_rows(max_row=len(rows), values_only=True)
            for number, (cached, values) in enumerate(zip(rows, lines, strict=False), start=1):
                found.update((title, number, column) for column, value in enumerate(values, 1)
                             if _is_formula(value) and (column > len(cached)
                                                        or cached[column - 1] is None))
    finally:
        book.close()
    return found


def _is_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or isinstance(
        value, ArrayFormula | DataTableFormula)


def sheet_rows(ws: Any) -> list[tuple[Any, ...]]:
    """A read-only sheet's rows of values, header included, within ``MAX_ROWS`` records.

    A huge sheet is refused by its declared size (``dimension``) before a cell is read; one
    that declares none is read no further than the cap.

    Raises:
        UnreadableError: the sheet has more rows than the cap.
    """
    declared = ws.max_row
    if declared is None or declared <= MAX_ROWS + 1:
        rows = list(itertools.islice(ws.iter_rows(values_only=True), MAX_ROWS + 2))
        if len(rows) <= MAX_ROWS + 1:
            return rows
    size = f"{declared - 1:,}" if declared else f"more than {MAX_ROWS:,}"
    raise UnreadableError(f"has {size} rows below its header; the cap is {MAX_ROWS:,} rows per "
                      "sheet (delete what lies below the data)")
