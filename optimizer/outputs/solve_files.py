"""What a solve writes into its results folder: the tables, and the workbook and report if asked.

One piece of code for ``srsopt solve`` (``optimizer.cli.files``) and the service's jobs
(``optimizer.service.execution``), so a job's files are the CLI's files.
"""

from __future__ import annotations

from pathlib import Path

from models.instance import Instance
from models.result import Result
from optimizer.outputs.report import save_report
from optimizer.outputs.results_io import fill_results
from optimizer.outputs.results_workbook import save_results_workbook


def fill_solve_folder(result: Result, folder: Path, instance: Instance, *, excel: bool,
                      report: bool, lang: str) -> None:
    """``summary.json`` and the CSV tables; ``results.xlsx`` and ``report.html`` if asked."""
    fill_results(result, folder)
    if excel:
        save_results_workbook(result, folder / "results.xlsx", instance, lang)
    if report:
        save_report(result, folder / "report.html", instance, lang)
