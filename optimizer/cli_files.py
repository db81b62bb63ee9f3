"""``srsopt convert``, ``template`` and ``report``, and what ``solve`` writes besides the folder.

Registered in ``optimizer.cli``; that module is imported inside the commands because it imports
this one to register them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from models.errors import short
from models.folder import write_folder
from models.instance import Instance, load_instance, read_raw
from models.jsonform import write_json
from models.result import Result
from models.workbook import write_template
from models.workbook import write_workbook as write_instance_workbook
from optimizer.cli_text import shown, shown_path
from optimizer.report import load_results, write_report
from optimizer.results_io import write_results
from optimizer.results_workbook import write_results_workbook

console = Console()
_WRITERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, pd.DataFrame], Path], Path]] = {
    ".xlsx": write_instance_workbook, ".json": write_json}
"""Writer of each one-file instance form, by suffix; any other path is written as a folder."""


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(message, style="bold red", markup=False, highlight=False)
    return typer.Exit(2)


def _load(path: Path) -> Instance:
    from optimizer.cli import _load as load_or_exit  # cli imports this module

    return load_or_exit(path)


def convert(
    source: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    target: Annotated[Path, typer.Argument(help="Where to write: folder, .xlsx or .json.")],
) -> None:
    """Convert an instance between folder, workbook and JSON (the form follows the path).

    The instance is validated first; the copy is read back and must give the same instance.
    """
    if source.resolve() == target.resolve():
        raise _fail("the source and the target are the same path")
    instance = _load(source)
    _, tables, _ = read_raw(source)
    writer = _WRITERS.get(target.suffix.lower(), write_folder)
    writer(instance.settings_dict(), tables, target)
    if load_instance(target).data_hash() != instance.data_hash():
        raise _fail(f"{target} does not read back as the same instance; please report this")
    console.print(f"wrote [bold]{shown_path(target)}[/]: {shown(instance.settings.name)}, the "
                  f"same instance as {shown_path(source)}")


def template(
    out: Annotated[Path, typer.Argument(help="The .xlsx workbook to write.")],
) -> None:
    """Write an empty instance workbook: sheets, headers with units, drop-down lists."""
    if out.suffix.lower() != ".xlsx":
        raise _fail(f"{out}: the template is an Excel workbook; name it *.xlsx")
    write_template(out)
    console.print(f"wrote [bold]{shown_path(out)}[/]: fill the settings and the seven table "
                  f"sheets, then run srsopt validate {shown_path(out)}")


def report(
    results: Annotated[Path, typer.Argument(help="Results folder written by srsopt solve.")],
    instance: Annotated[Path | None, typer.Option(
        help="The solved instance: adds region names, categories and residents reached.")] = None,
    out: Annotated[Path | None, typer.Option(help="HTML file [default: RESULTS/report.html].")
                   ] = None,
) -> None:
    """Write a self-contained HTML report with charts of a solve's results."""
    try:
        if not (results / "summary.json").is_file():
            raise _fail(f"{results}: no summary.json; give a folder written by srsopt solve")
        solved = load_results(results)
    except (OSError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise _fail(f"{results}: cannot be read as a folder written by srsopt solve: "
                    f"{short(exc, 300)}") from None
    written = write_report(solved, out or results / "report.html",
                           _load(instance) if instance else None)
    console.print(f"report written to [bold]{shown_path(written)}[/]")


def write_solve_outputs(result: Result, instance: Instance, out: Path, *, excel: bool = False,
                        report: bool = False) -> list[Path]:
    """Write a solve's results in the forms asked for; returns the paths written.

    The results folder (or only the results workbook when ``out`` ends in ``.xlsx``), then
    ``OUT/results.xlsx`` with ``excel`` and the HTML report with ``report``.
    """
    if out.suffix.lower() == ".xlsx":
        written = [write_results_workbook(result, out)]
        page = out.with_suffix(".html")
    else:
        written = [write_results(result, out)]
        if excel:
            written.append(write_results_workbook(result, out / "results.xlsx"))
        page = out / "report.html"
    if report:
        written.append(write_report(result, page, instance))
    return written
