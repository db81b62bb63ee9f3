"""A what-if comparison on disk: CSV tables, a workbook and a page for people, a chart.

The CSV files keep their names and columns (``TABLES``) and add names beside ids and, in
``projects.csv``, each change in words (``whatif_tables``). ``comparison.xlsx`` (sheets
Overview, National, Money, Regions, Projects) is formatted like the results workbook and
``comparison.html`` is a page like the report, both in the reader's language. Each case's own
results go to a sub-folder ``cases/NAME`` as ``write_results`` lays them out (with its
``scenario.json``), so every plan of the comparison can be opened like any other solve.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from models.safe_output import OutputTarget, write_output
from optimizer.analysis.whatif import Comparison
from optimizer.outputs.labels import DEFAULT_LANG, Translate
from optimizer.outputs.results_io import fill_results
from optimizer.outputs.results_workbook import write_people_sheet
from optimizer.outputs.whatif_charts import comparison_png
from optimizer.outputs.whatif_page import render_comparison
from optimizer.outputs.whatif_tables import people_tables, projects_file, regions_file

TABLES = ("overview", "national", "money", "regions", "projects")
"""The comparison's tables, written as ``<name>.csv`` and (for people) as workbook sheets."""


def folder_name(name: str) -> str:
    """A scenario name as a safe folder name.

    A long one is cut and tagged with its hash: a file name has at most 255 bytes, and two
    long names must not share a folder.
    """
    safe = re.sub(r"[^A-Za-z0-9_.+-]+", "_", name).strip("._") or "scenario"
    if len(safe) <= 64:
        return safe
    return f"{safe[:55]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def csv_tables(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """The CSV files' tables by name: the comparison's, with names and words added."""
    return {"overview": comparison.overview, "national": comparison.national,
            "money": comparison.money, "regions": regions_file(comparison),
            "projects": projects_file(comparison)}


def save_comparison_workbook(comparison: Comparison, file: Path, lang: str = DEFAULT_LANG
                             ) -> None:
    """``comparison.xlsx``: the people's tables, one sheet each (``sheet.whatif_<table>``)."""
    book = Workbook(write_only=True)
    for key, frame in people_tables(comparison, lang).items():
        write_people_sheet(book, f"whatif_{key}", frame, lang)
    book.save(file)


def write_comparison(comparison: Comparison, out: str | Path | OutputTarget,
                     lang: str = DEFAULT_LANG) -> list[Path]:
    """Write the comparison tables, each case's results, the workbook, the page and the chart.

    One output (``models.safe_output``): staged beside and swapped in whole as ``out``.
    ``lang``: the language of ``comparison.xlsx``, ``comparison.html`` and the chart.
    """
    written: list[Path] = []

    def fill(folder: Path) -> None:
        for name, table in csv_tables(comparison).items():
            table.to_csv(folder / f"{name}.csv", index=False)
            written.append(Path(f"{name}.csv"))
        for name, result in comparison.results.items():
            case = Path("cases", folder_name(name))
            fill_results(result, folder / case)
            written.append(case)
        save_comparison_workbook(comparison, folder / "comparison.xlsx", lang)
        (folder / "comparison.html").write_text(render_comparison(comparison, lang),
                                                encoding="utf-8")
        written.extend([Path("comparison.xlsx"), Path("comparison.html")])
        if len(comparison.national):
            comparison_png(comparison, folder / "comparison.png", Translate(lang))
            written.append(Path("comparison.png"))

    folder = write_output(out, "whatif", fill)
    return [folder / path for path in written]
