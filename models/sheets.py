"""Tables written into openpyxl write-only sheets the way analysts read them.

Shared by the instance workbook (``models.workbook``) and the results workbook
(``optimizer.outputs.results_workbook``): a styled, frozen header row with notes as comments, cells
typed by column kind, number formats, sized columns, and drop-down lists from the contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from models.catalogue import STANDARDS
from models.jsonform import cell_text, cell_values
from models.schema import Column
from models.tables import expectation

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REQUIRED_FILL = PatternFill("solid", fgColor="1F4E79")
_OPTIONAL_FILL = PatternFill("solid", fgColor="5B7FA6")
_MUTED_FONT = Font(italic=True, color="808080")
_LAST_ROW = 1_048_576
ID_LIST = "srsopt_{}_ids"
"""The workbook's defined name of a table's ids (``srsopt_regions_ids``), for drop-downs."""


def write_frame(
    ws: Any,
    frame: pd.DataFrame,
    kinds: Mapping[str, str | None],
    notes: Mapping[str, str] | None = None,
    formats: Mapping[str, str | Sequence[str | None]] | None = None,
    required: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
    muted: int = 0,
) -> None:
    """Write a table to a write-only sheet the way analysts read it.

    A styled header row, frozen, with notes as comments; cells typed by column kind; number
    formats per column (or a list with one per row); columns sized to their content.
    ``headers``: the text shown for a column (``capex (million KZT)``) instead of its name;
    ``muted``: how many first records are shown grey and italic (the template's examples).
    """
    notes, formats, headers = notes or {}, formats or {}, headers or {}
    values = {c: cell_values(frame[c], kinds.get(c)) for c in frame.columns}
    ws.freeze_panes = "A2"
    for position, column in enumerate(frame.columns, start=1):
        sample = [len(cell_text(v)) * (4 if column in formats else 3) // 3
                  for v in values[column][:500]]
        width = min(max([len(headers.get(column, str(column))) + 2, *sample]) + 2, 60)
        ws.column_dimensions[get_column_letter(position)].width = width
    header = []
    for column in frame.columns:
        cell = WriteOnlyCell(ws, headers.get(column, str(column)))
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if not required or column in required else _OPTIONAL_FILL
        if notes.get(column):
            cell.comment = Comment(notes[column], "srsopt", width=320, height=140)
        header.append(cell)
    ws.append(header)
    for i, row in enumerate(zip(*values.values(), strict=True)):
        cells: list[object] = list(row)
        for position, column in enumerate(frame.columns):
            spec = formats.get(column)
            fmt = spec if isinstance(spec, str) or spec is None else spec[i]
            number = isinstance(cells[position], int | float)
            if (fmt and number) or i < muted:
                cell = WriteOnlyCell(ws, cast("str | float | None", cells[position]))
                if fmt and number:
                    cell.number_format = fmt
                if i < muted:
                    cell.font = _MUTED_FONT
                cells[position] = cell
        ws.append(cells)


def header_text(col: Column) -> str:
    """A contract column's header as a workbook shows it: its name and unit in brackets.

    ``capex (million KZT)``; ``models.sheet_reading.column_name`` reads it back as ``capex``.
    """
    return f"{col.name} ({col.unit})" if col.unit else col.name


def column_note(col: Column) -> str:
    """The header comment of a contract column: required or default, what a cell holds, unit."""
    default = "" if col.default in (None, "") else f", default {cell_text(col.default)}"
    need = "required" if col.required else f"optional{default}"
    lines = [f"{col.name} ({need})", f"Expected: {expectation(col)}."]
    if col.unit:
        lines.append(f"Unit: {col.unit}.")
    if col.minimum is not None:
        lines.append(f"Minimum: {col.minimum:g}.")
    return "\n".join(lines)


def id_list(sheet: str, position: int) -> str:
    """The ids filled in column ``position`` (1-based) of ``sheet``, from row 2 down.

    A formula for a workbook's defined name (``ID_LIST``), so a drop-down offers exactly the
    ids written so far: ``OFFSET(regions!$A$2,0,0,MAX(COUNTA(regions!$A:$A)-1,1),1)``.
    """
    letter = get_column_letter(position)
    return (f"OFFSET({sheet}!${letter}$2,0,0,MAX(COUNTA({sheet}!${letter}:${letter})-1,1),1)")


def drop_downs(ws: Any, frame: pd.DataFrame, columns: Mapping[str, Column]) -> None:
    """Drop-down lists on enumerated columns and on ids of other sheets; hints elsewhere.

    A reference (``settlements.region_id``) offers the ids of its sheet (``ID_LIST``, defined
    by the workbook's writer) and only warns about another value, since the analyst may fill
    the sheets in any order.
    """
    categories = ",".join(sorted(set(STANDARDS["category"])))
    for position, name in enumerate(frame.columns, start=1):
        col = columns.get(name)
        if col is None:
            continue
        cells = f"{get_column_letter(position)}2:{get_column_letter(position)}{_LAST_ROW}"
        if col.refers:
            rule = DataValidation(type="list", formula1=ID_LIST.format(col.refers),
                                  errorStyle="warning",
                                  error=f"Not an id of the {col.refers} sheet (yet).")
        elif col.kind == "enum":
            rule = DataValidation(type="list", formula1=f'"{",".join(col.choices)}"')
        elif col.kind == "bool":
            rule = DataValidation(type="list", formula1='"true,false"', errorStyle="warning")
        elif col.kind == "label":
            rule = DataValidation(type="list", formula1=f'"{categories}"', errorStyle="information",
                                  error="Any lower_snake_case label is allowed.")
        elif col.kind == "share":
            rule = DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                                  errorStyle="warning", error="A share must be in [0, 1].")
        else:
            continue
        rule.allow_blank = True
        rule.showErrorMessage = True
        rule.add(cells)
        ws.data_validations.append(rule)
