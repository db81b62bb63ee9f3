"""A solve's results as one workbook to forward: sheets for people first, then the full tables.

The first sheets are in the reader's language (``lang``, Russian unless told): ``Summary``
(labelled figures with units), ``Funded projects``, ``Per region`` (totals over the horizon),
``Per region and year``, ``Money per year``, ``National provision`` and, for an instance with
designations, ``Priority territories``; names beside ids, units in the headers. Then the full
result tables as in the CSV files, under the names programs read (``projects``, ``regions`` =
``region_years``, ``provision``, ``national``, ``envelope``, ``starts``, ``designations``),
every column they have. Every sheet has a frozen header row, an autofilter, number
formats (million KZT with separators, % for shares) and sized columns; the cells hold the exact
values, only the display is rounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from models.instance import Instance
from models.result import Result
from models.safe_output import OutputTarget, write_output
from models.sheets import write_frame
from optimizer.outputs import people_tables as people
from optimizer.outputs.formats import (
    COLUMN_KIND,
    MILLION_KZT,
    PERCENT,
    PERSONS,
    YEAR,
    format_value,
    header,
    number_format,
    unit_note,
)
from optimizer.outputs.labels import DEFAULT_LANG, label
from optimizer.outputs.people_summary import summary_figures

__all__ = ["COLUMN_KIND", "MILLION_KZT", "PERCENT", "PERSONS", "SHEETS", "YEAR", "format_value",
           "number_format", "save_results_workbook", "unit_note", "write_people_sheet",
           "write_results_workbook"]

SHEETS: dict[str, str] = {"projects": "projects", "regions": "region_years",
                          "provision": "provision", "national": "national",
                          "envelope": "envelope", "starts": "starts",
                          "designations": "designations"}
"""The full tables: sheet name -> result table, in sheet order after the people's sheets."""
PEOPLE_SHEETS = ("summary", "funded", "per_region", "per_region_year", "money", "provision")
"""The people's sheets in order, by message id (``sheet.<id>`` names them)."""


def _finish(ws: object, frame: pd.DataFrame) -> None:
    """An autofilter over the header and every row (the header is frozen by ``write_frame``)."""
    last = get_column_letter(max(len(frame.columns), 1))
    ws.auto_filter.ref = f"A1:{last}{len(frame) + 1}"  # type: ignore[attr-defined]


def _write_table(book: Workbook, name: str, frame: pd.DataFrame) -> None:
    """A full result table under its column names, each header's unit as a comment."""
    numeric = {c: "float" for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    formats = {c: f for c in frame.columns if (f := number_format(c)) and c in numeric}
    ws = book.create_sheet(name)
    write_frame(ws, frame, numeric,
                notes={c: u for c in frame.columns if (u := unit_note(c))}, formats=formats)
    _finish(ws, frame)


def write_people_sheet(book: Workbook, key: str, frame: pd.DataFrame, lang: str,
                       formats: Mapping[str, str | Sequence[str | None]] | None = None) -> None:
    """A people's sheet: labelled headers with units, codes in words, the result's formats.

    Named by message ``sheet.<key>``; also the sheets of the what-if comparison's workbook.
    """
    frame = people.in_words(frame, lang)
    titles = {c: header(c, lang) for c in frame.columns}
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    given = formats or {c: f for c in numeric if (f := number_format(c))}
    ws = book.create_sheet(label(f"sheet.{key}", lang))
    write_frame(ws, frame.rename(columns=titles),
                {titles[c]: "float" for c in [*numeric, *(formats or {})]},
                formats={titles[c]: f for c, f in given.items()})
    _finish(ws, frame)


def save_results_workbook(result: Result, file: Path, instance: Instance | None = None,
                          lang: str = DEFAULT_LANG) -> None:
    """Save the results workbook at ``file`` (only the Summary when the solve found no plan).

    ``instance`` gives regions and settlements their names (ids stand in without it).
    """
    book = Workbook(write_only=True)
    figures, formats = summary_figures(result, lang)
    write_people_sheet(book, "summary", figures, lang, formats={"value": formats})
    if result.has_plan:
        names = people.Names.of(instance)
        for key, frame in zip(PEOPLE_SHEETS[1:], (
                people.funded_projects(result, names), people.per_region(result, names),
                people.per_region_year(result, names), people.money_per_year(result),
                people.national_provision(result)), strict=True):
            write_people_sheet(book, key, frame, lang)
        territories = people.designation_provision(result)
        if territories is not None:  # only an instance with designations has the sheet
            write_people_sheet(book, "designations", territories, lang)
        tables = result.tables()
        for sheet, table in SHEETS.items():
            if table in tables:
                _write_table(book, sheet, tables[table])
    book.save(file)


def write_results_workbook(result: Result, path: str | Path | OutputTarget,
                           instance: Instance | None = None, lang: str = DEFAULT_LANG) -> Path:
    """Write the results workbook safely (``models.safe_output``); returns its path."""
    return write_output(path, "results-workbook",
                        lambda file: save_results_workbook(result, file, instance, lang),
                        plan=result.has_plan)
