"""Tables written into openpyxl write-only sheets the way analysts read them.

Shared by the instance workbook (``models.workbook``) and the results workbook
(``optimizer.outputs.results_workbook``): a styled, frozen header row with notes as comments, cells
typed by column kind, number formats, sized columns, and drop-down lists from the contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
_LAST_ROW = 1_048_576


def write_frame(
    ws: Any,
    frame: pd.DataFrame,
    kinds: Mapping[str, str | None],
    notes: Mapping[str, str] | None = None,
    formats: Mapping[str, str | Sequence[str | None]] | None = None,
    required: Sequence[str] = (),
) -> None:
    """Write a table to a write-only sheet the way analysts read it.

    A styled header row, frozen, with notes as comments; cells typed by column kind; number
    formats per column (or a list with one per row); columns sized to their content.
    """
    notes, formats = notes or {}, formats or {}
    values = {c: cell_values(frame[c], kinds.get(c)) for c in frame.columns}
    ws.freeze_panes = "A2"
    for position, column in enumerate(frame.columns, start=1):
        sample = [len(cell_text(v)) * (4 if column in formats else 3) // 3
                  for v in values[column][:500]]
        width = min(max([len(str(column)) + 2, *sample]) + 2, 60)
        ws.column_dimensions[get_column_letter(position)].width = width
    header = []
    for column in frame.columns:
        cell = WriteOnlyCell(ws, str(column))
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
            value = cells[position]
            if fmt and isinstance(value, int | float):
                cell = WriteOnlyCell(ws, value)
                cell.number_format = fmt
                cells[position] = cell
        ws.append(cells)


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


def drop_downs(ws: Any, frame: pd.DataFrame, columns: Mapping[str, Column]) -> None:
    """Drop-down lists on enumerated columns, a hint on booleans, categories and shares."""
    categories = ",".join(sorted(set(STANDARDS["category"])))
    for position, name in enumerate(frame.columns, start=1):
        col = columns.get(name)
        if col is None:
            continue
        cells = f"{get_column_letter(position)}2:{get_column_letter(position)}{_LAST_ROW}"
        if col.kind == "enum":
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
