"""A solve's results as one workbook an analyst can forward: formatted, frozen, sized.

Sheets: ``summary`` (key/value), ``projects``, ``regions`` (the ``region_years`` table),
``provision``, ``national``, ``envelope`` and ``starts``. Money is shown in million KZT with
thousands separators, shares as percentages, persons as whole numbers; every header carries
its unit as a comment. The cells hold the exact values, only the display is rounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from models.result import Result
from models.safe_output import OutputTarget, write_output
from models.settings_sheet import flatten
from models.sheets import write_frame
from optimizer.outputs.results_io import summary

MILLION_KZT = "#,##0"
PERCENT = "0.0%"
PERSONS = "#,##0"
YEAR = "0"

_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # kind: (Excel number format, unit note, columns or summary keys of that kind)
    "money": (MILLION_KZT, "million KZT", (
        "capex", "funded_capex", "opex", "capex_spend", "transfer", "cofinancing", "new_opex",
        "fiscal_space", "fiscal_space_used", "envelope", "total_transfer", "total_cofinancing",
        "equalization", "own_revenue", "general_transfer")),
    "share": (PERCENT, "share, shown as %", (
        "funded", "share", "fiscal_space_used_share", "envelope_share", "baseline", "provision",
        "target", "mip_gap", "mip_rel_gap", "dependency_before", "dependency_after")),
    "persons": (PERSONS, "persons", ("persons", "baseline_served", "served", "shortfall",
                                     "provision_gain")),
    "year": (YEAR, "calendar year", ("year", "start_year", "completion_year")),
    "value": ("0.000", "objective units per million KZT (LP estimate)", ("lp_marginal_value",)),
}
_PYTHON_FORMATS = {MILLION_KZT: ",.0f", PERCENT: ".1%", YEAR: ".0f", "0.000": ".3f"}
COLUMN_KIND: dict[str, str] = {c: kind for kind, (_, _, cols) in _KINDS.items() for c in cols}
"""Kind of every numeric result column (and summary key), by name."""
SHEETS: dict[str, str] = {"projects": "projects", "regions": "region_years",
                          "provision": "provision", "national": "national",
                          "envelope": "envelope", "starts": "starts"}
"""Sheet name -> result table, in sheet order after ``summary``."""


def number_format(column: str) -> str | None:
    """The Excel number format of a result column (``None``: general)."""
    kind = COLUMN_KIND.get(column)
    return _KINDS[kind][0] if kind else None


def format_value(column: str, value: object) -> str:
    """A result value as text with its column's display format (``12,345``, ``96.0%``)."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    fmt = number_format(column)
    if fmt is None or not isinstance(value, int | float):
        return str(value)
    return format(value, _PYTHON_FORMATS[fmt])


def unit_note(column: str) -> str:
    """The unit of a result column, for header comments and chart axes."""
    kind = COLUMN_KIND.get(column)
    return _KINDS[kind][1] if kind else ""


def summary_rows(info: Mapping[str, Any]) -> pd.DataFrame:
    """The scalar part of ``summary.json`` as key/value rows (tables have their own sheets)."""
    scalars = {k: v for k, v in info.items()
               if not (isinstance(v, list) and v and isinstance(v[0], dict))}
    rows = flatten(scalars)
    return pd.DataFrame({"key": [k for k, _ in rows], "value": [v for _, v in rows]})


def _write_table(book: Workbook, name: str, frame: pd.DataFrame) -> None:
    numeric = {c: "float" for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    formats = {c: f for c in frame.columns if (f := number_format(c)) and c in numeric}
    write_frame(book.create_sheet(name), frame, numeric,
                notes={c: u for c in frame.columns if (u := unit_note(c))}, formats=formats)


def save_results_workbook(result: Result, file: Path) -> None:
    """Save the results workbook at ``file`` (only ``summary`` when the solve found no plan)."""
    book = Workbook(write_only=True)
    info = summary_rows(summary(result))
    row_formats = [number_format(key.rsplit(".", 1)[-1]) for key in info["key"]]
    write_frame(book.create_sheet("summary"), info, {"value": "float"},
                formats={"value": row_formats},
                notes={"value": "Money in million KZT, provision as a share of residents."})
    tables = result.tables()
    for sheet, table in SHEETS.items():
        if table in tables:
            _write_table(book, sheet, tables[table])
    book.save(file)


def write_results_workbook(result: Result, path: str | Path | OutputTarget) -> Path:
    """Write the results workbook safely (``models.safe_output``); returns its path."""
    return write_output(path, "results-workbook",
                        lambda file: save_results_workbook(result, file), plan=result.has_plan)
