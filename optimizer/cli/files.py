"""``srsopt convert``, ``template`` and ``report``, and what ``solve`` writes besides the folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from models.errors import short
from models.folder import fill_folder
from models.instance import Instance, load_instance, read_raw
from models.jsonform import save_json
from models.result import Result
from models.safe_output import OutputError, OutputTarget
from models.template import write_template
from models.workbook import save_workbook
from optimizer.cli import output as cli_output
from optimizer.cli.common import load
from optimizer.cli.text import literal, shown, shown_path
from optimizer.outputs.labels import DEFAULT_LANG, Lang
from optimizer.outputs.report import load_results, write_report
from optimizer.outputs.results_workbook import write_results_workbook
from optimizer.outputs.solve_files import fill_solve_folder

console = Console()
_SAVERS: dict[str, Callable[[Mapping[str, Any], Mapping[str, pd.DataFrame], Path], None]] = {
    ".xlsx": save_workbook, ".json": save_json}
"""Writer of each one-file instance form, by suffix; any other path is written as a folder."""
SOLVE_OUT = "a folder (e.g. results/x) or a .xlsx workbook"
"""What ``srsopt solve --out`` may be."""
LangOption = Annotated[Lang, typer.Option(
    help="Language of the report and of the results workbook's first sheets: ru or en.")]


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(message, style="bold red", markup=False, highlight=False)
    return typer.Exit(2)




def convert(
    source: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    target: Annotated[Path, typer.Argument(help="Where to write: folder, .xlsx or .json.")],
    force: cli_output.ForceOption = False,
) -> None:
    """Convert an instance between folder, workbook and JSON (the form follows the path).

    The instance is validated first; the copy is read back and must give the same instance
    before it is put in place.
    """
    save = _SAVERS.get(target.suffix.lower())
    out = cli_output.plan(target, "instance-file" if save else "instance", force=force,
                          inputs=[source], expects="a folder, a .xlsx workbook or a .json file")
    instance = load(source)
    _, tables, _ = read_raw(source)

    def fill(path: Path) -> None:
        (save or fill_folder)(instance.settings_dict(), tables, path)
        if load_instance(path).data_hash() != instance.data_hash():
            raise OutputError(f"{target} would not read back as the same instance; it was not "
                              "written: please report this")

    with cli_output.refusals():
        out.write(fill)
    console.print(f"wrote [bold]{shown_path(target)}[/]: {shown(instance.settings.name)}, the "
                  f"same instance as {shown_path(source)}")


def template(
    out: Annotated[Path, typer.Argument(help="The .xlsx workbook to write.")],
    force: cli_output.ForceOption = False,
) -> None:
    """Write an empty instance workbook: sheets, headers with units, drop-down lists."""
    target = cli_output.plan(out, "template", force=force,
                             expects="a .xlsx workbook (the template is an Excel workbook)")
    with cli_output.refusals():
        write_template(target)
    console.print(f"wrote [bold]{shown_path(out)}[/]: fill the settings and the seven table "
                  f"sheets, then run srsopt validate {shown_path(out)}")


def report(
    results: Annotated[Path, typer.Argument(help="Results folder written by srsopt solve.")],
    instance: Annotated[Path | None, typer.Option(
        help="The solved instance: adds region names, categories and residents reached.")] = None,
    out: Annotated[Path | None, typer.Option(help="HTML file [default: RESULTS/report.html].")
                   ] = None,
    force: cli_output.ForceOption = False,
    lang: LangOption = DEFAULT_LANG,
) -> None:
    """Write a self-contained HTML report (words, tables, maps, charts) of a solve's results.

    With --instance, the instance must be the one the plan was solved from (the input hash in
    summary.json); --force reports it against another one anyway.
    """
    if not (results / "summary.json").is_file():
        raise _fail(f"{results}: no summary.json; give a folder written by srsopt solve")
    read = [results / "summary.json", *results.glob("*.csv"), instance]  # what it reads
    target = cli_output.plan(out or results / "report.html", "report", force=force, inputs=read)
    try:
        solved = load_results(results)
    except (OSError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise _fail(f"{results}: cannot be read as a folder written by srsopt solve: "
                    f"{short(exc, 300)}") from None
    given = load(instance) if instance else None
    if given is not None and instance is not None:
        _same_input(solved, given, results, instance, force)
    with cli_output.refusals():
        written = write_report(solved, target, given, lang)
    console.print(f"report written to [bold]{shown_path(written)}[/]")


def _same_input(solved: Result, given: Instance, results: Path, path: Path, force: bool
                ) -> None:
    """Refuse (exit 2) to report a plan against an instance it was not solved from.

    ``summary.json`` keeps the solved instance's ``data_hash``; a plan solved with a scenario
    (``scenario.json``) has the hash of the changed instance. ``--force`` reports it anyway,
    with a warning.
    """
    solved_from = solved.metadata.get("input_hash")
    if not solved_from or solved_from == given.data_hash():
        return
    why = ""
    if (results / "scenario.json").is_file():
        why = " (it was solved with the changes of its scenario.json applied)"
    message = (f"{literal(results)} holds a plan of another instance than {literal(path)}{why}: "
               f"its summary.json has input_hash {literal(solved_from)}, {literal(path)} has "
               f"{given.data_hash()}")
    if not force:
        raise _fail(f"{message}; give the instance the plan was solved from, or --force to "
                    "report it against this one anyway")
    Console(stderr=True).print(f"warning: {message}; reported anyway (--force)", style="yellow",
                               markup=False, highlight=False)


def plan_solve_outputs(out: Path, *, report: bool, force: bool,
                       inputs: list[Path | str | None]) -> list[OutputTarget]:
    """Check and lock what ``solve`` will write, before it solves (exit 2 if refused).

    The results folder, or the results workbook when ``out`` ends in ``.xlsx`` (then
    ``NAME.html`` beside it with ``report``).
    """
    if out.suffix.lower() != ".xlsx":
        return [cli_output.plan(out, "results", force=force, inputs=inputs, expects=SOLVE_OUT)]
    targets = [cli_output.plan(out, "results-workbook", force=force, inputs=inputs)]
    if report:
        targets.append(cli_output.plan(out.with_suffix(".html"), "report", force=force,
                                       inputs=inputs))
    return targets


def _write(target: OutputTarget, result: Result, instance: Instance, excel: bool,
           report: bool, lang: str) -> list[Path]:
    """One planned output of ``solve``: the folder (with its workbook and report), or a file."""
    if target.kind.name == "results-workbook":
        return [write_results_workbook(result, target, instance, lang)]
    if target.kind.name == "report":
        return [write_report(result, target, instance, lang)]
    parts = {name: kind for name, kind, wanted in (("results.xlsx", "results-workbook", excel),
                                                   ("report.html", "report", report)) if wanted}

    def fill(folder: Path) -> None:
        fill_solve_folder(result, folder, instance, excel=excel, report=report, lang=lang)

    folder = target.write(fill, plan=result.has_plan, parts=parts)
    return [folder, *(folder / name for name in parts)]


def write_solve_outputs(result: Result, instance: Instance, targets: list[OutputTarget], *,
                        excel: bool = False, report: bool = False,
                        lang: str = DEFAULT_LANG) -> list[Path]:
    """Write a solve's results to its planned outputs; returns the paths written.

    A result without a plan never replaces an earlier plan: it goes to a fresh path beside
    (``OUT.infeasible-YYYYmmdd-HHMMSS``), and the message says so.
    """
    written = []
    for target in targets:
        with cli_output.refusals():
            planned = target
            if not result.has_plan and target.holds_plan():
                target.release()
                target = target.beside(result.status.value)
            written += _write(target, result, instance, excel, report, lang)
        cli_output.moved_note(planned.path, target.path, result.status.value)
    return written
