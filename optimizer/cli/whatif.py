"""``srsopt whatif``: the analyst's what-if command.

Also what it shares with ``sweep`` and ``alternatives`` (``optimizer.cli.sweep``,
``optimizer.cli.alternatives``): the progress bar, the tables, the warm-start options.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from models.scenario import ScenarioError
from optimizer.analysis.whatif import Case, Comparison, compare, run_cases, scenario_case
from optimizer.analysis.whatif_compare import SHARE_TOLERANCE
from optimizer.cli import batches
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli import progress as cli_progress
from optimizer.cli.common import (
    Exit,
    load,
    scenario_error,
)
from optimizer.cli.explain import warned
from optimizer.cli.text import shown, shown_path
from optimizer.outputs.labels import DEFAULT_LANG, Lang
from optimizer.outputs.whatif_tables import changed_projects, regions_file

console = Console()
errors = Console(stderr=True)


OVERVIEW_ROWS = (
    ("status", "status", ""), ("objective", "objective", ",.1f"),
    ("objective_change", "change vs base", "+,.1f"), ("mip_gap", "MIP gap %", ".2f"),
    ("funded_projects", "funded projects", ",.0f"), ("projects_added", "added vs base", ",.0f"),
    ("projects_dropped", "dropped vs base", ",.0f"),
    ("projects_changed", "changed vs base", ",.0f"),
    ("transfer", "transfers, million KZT", ",.0f"),
    ("shortfall_target_year", "shortfall, last target year", ",.0f"),
    ("solve_seconds", "seconds", ",.1f"), ("model", "model", ""), ("start", "start", ""),
)
"""(column, label, format) of the what-if overview, one row each, one column per case."""
CHANGES_SHOWN = 15
"""Project changes printed per scenario, largest capex first (all are in the files)."""


ScenarioTimeLimit = Annotated[float | None, typer.Option(
    help="Seconds for each case that starts from the base's plan (default: a quarter of the "
         "base's time limit).", callback=opt.within("seconds"))]
Cold = Annotated[bool, typer.Option(
    help="Solve every case from scratch (no warm start from the base's plan), each with the "
         "full time limit.")]


def progress_bar(quiet: bool) -> Progress:
    """The commands' bar; the solver's progress in its ``solver`` field (``cli.progress``)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("[dim]{task.fields[solver]}"),
                    console=console, disable=quiet)


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _fmt(value: Any, spec: str = ",.0f") -> str:
    return "–" if _missing(value) else format(value, spec)


def _text(value: Any) -> str:
    return "–" if _missing(value) else shown(value)


def frame_table(title: str, frame: pd.DataFrame, formats: dict[str, str]) -> Table:
    """A frame as a rich table: ``formats`` for numeric columns (right-aligned), text shown."""
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(shown(column), justify="right" if column in formats else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_fmt(v, formats[c]) if c in formats else _text(v)
                        for c, v in zip(frame.columns, row, strict=True)])
    return table


def whatif(
    base: Annotated[Path, typer.Argument(help="Base instance: folder, .xlsx or .json.")],
    scenarios: Annotated[list[str], typer.Argument(
        help="Scenario files; a.yaml,b.yaml composes two into one case.")],
    out: Annotated[Path, typer.Option(help="Folder for the comparison.")] = Path(
        "results/whatif"),
    time_limit: opt.TimeLimit = None, gap: opt.Gap = None, threads: opt.Threads = None,
    scenario_time_limit: ScenarioTimeLimit = None, cold: Cold = False,
    quiet: cli_progress.Quiet = False,
    force: cli_output.ForceOption = False,
    lang: Annotated[Lang, typer.Option(
        help="Language of comparison.xlsx and comparison.html: ru or en (the terminal and "
             "the CSV files stay English).")] = DEFAULT_LANG,
    scheduler: batches.Scheduler = None, jobs: batches.Jobs = 1, retries: batches.Retries = 2,
) -> None:
    """Solve the base and every scenario and compare them: on screen, CSV, workbook, page.

    With ``--scheduler`` or ``--jobs`` above 1 every case is a Dask task built from scratch
    (``optimizer.distributed``); otherwise the cases re-use the base's live model here.
    """
    from optimizer.outputs.whatif_files import write_comparison

    logging.basicConfig(level=logging.WARNING)
    target = cli_output.plan(out, "whatif", force=force, inputs=[
        base, *(file for spec in scenarios for file in cli_output.scenario_files(spec))])
    instance = load(base)
    cases = [Case(name="base", instance=instance)]
    try:
        for spec in scenarios:
            case = scenario_case(instance, spec, base)
            name, k = case.name, 2
            while name in {c.name for c in cases}:
                name, k = f"{case.name} ({k})", k + 1
            cases.append(replace(case, name=name))
    except ScenarioError as exc:
        scenario_error(exc)
        raise typer.Exit(Exit.INVALID_INPUT) from None
    threads = opt.solver_threads(threads, instance)
    if scheduler is not None or jobs > 1:
        with warned(instance):
            results = _cases_as_tasks(cases, scheduler, jobs, retries, quiet,
                                      time_limit=time_limit, mip_rel_gap=gap, threads=threads,
                                      scenario_time_limit=scenario_time_limit, warm=not cold)
    else:
        with progress_bar(quiet) as progress:
            task = progress.add_task("what-if", total=len(cases), solver="")
            with warned(instance), cli_progress.alongside(progress, task, "what-if",
                                                          quiet=quiet):
                results = run_cases(
                    cases, time_limit=time_limit, mip_rel_gap=gap, threads=threads,
                    scenario_time_limit=scenario_time_limit, warm=not cold,
                    on_start=lambda c: progress.update(task,
                                                       description=f"solving {shown(c.name)}"),
                    on_done=lambda c, r: progress.advance(task))
    comparison = compare(results, {case.name: case.instance for case in cases})
    print_comparison(comparison)
    with cli_output.refusals():
        written = write_comparison(comparison, target, lang)
    console.print(f"comparison written to [bold]{shown_path(out)}[/] ({len(written)} files: "
                  "comparison.xlsx and comparison.html to read, CSV tables, cases/)")


def batch_console(quiet: bool) -> Console:
    """The console a batch's progress prints to: silent with ``--quiet``."""
    return Console(quiet=True) if quiet else console


def _cases_as_tasks(cases: list[Case], scheduler: str | None, jobs: int, retries: int,
                    quiet: bool, **options: Any) -> dict[str, Any]:
    """Every case as a Dask task; exit 4 if the base has no result (nothing to compare with)."""
    from optimizer.distributed.analyses import run_cases as run_tasks

    with batches.runner(scheduler, jobs, retries) as runner, batches.Display(
            "what-if", batch_console(quiet)) as display:
        results, outcomes = run_tasks(cases, runner=runner, on_progress=display.update,
                                      **options)
    batches.report(outcomes, "cases")
    if cases[0].name not in results:
        errors.print("no comparison: the base has no result", style="bold red")
        raise typer.Exit(Exit.NO_PLAN)
    return results


def print_comparison(comparison: Comparison) -> None:
    """Overview, national provision, money per year and the regions that move most."""
    over = comparison.overview.set_index("scenario")
    table = Table(title="What-if comparison (objective: lower is better)")
    table.add_column("")
    for name in over.index:
        table.add_column(shown(name), justify="right")
    for column, label, spec in OVERVIEW_ROWS:
        if column in over:
            values = over[column]
            if column == "mip_gap":
                values = 100 * pd.to_numeric(values, errors="coerce")
            table.add_row(label, *[_fmt(v, spec) if spec else _text(v) for v in values])
    console.print(table)
    for row in comparison.overview.dropna(subset=["reason"]).itertuples():
        if row.reason != "the base":
            console.print(f"  {shown(row.scenario)}: solved from scratch: {shown(row.reason, 300)}",
                          highlight=False)
    nat = comparison.national
    if len(nat):
        cell = nat.assign(text=[f"{100 * p:.1f}% ({_fmt(100 * c, '+.1f')})" for p, c in
                                zip(nat["provision"], nat["change"], strict=True)])
        wide = cell.pivot_table(index=["category", "area"], columns="scenario", values="text",
                                aggfunc="first", sort=False).reset_index()
        wide = wide[["category", "area", *[s for s in comparison.results if s in wide]]]
        console.print(frame_table("National provision in the last target year (change in points)",
                             wide, {}))
        money = comparison.money.pivot_table(index="year", columns="scenario",
                                             values="transfer").reset_index()
        money = money[["year", *[s for s in comparison.results if s in money]]]
        console.print(frame_table("Republican transfers per year (million KZT)", money,
                             {c: ",.0f" for c in money.columns if c != "year"} | {"year": "d"}))
        reg = regions_file(comparison).dropna(subset=["change"])
        reg = reg[reg["scenario"] != comparison.base]
        top = reg.reindex(reg["change"].abs().sort_values(ascending=False).index).head(10)
        console.print(frame_table("Regions whose provision moves most (last target year, points)",
                             top.assign(provision=100 * top["provision"],
                                        change=100 * top["change"])[
                                 ["scenario", "region_id", "region", "provision", "change",
                                  "shortfall_change"]].rename(
                                 columns={"shortfall_change": "persons short, change"}),
                             {"provision": ".1f", "change": "+.2f",
                              "persons short, change": "+,.0f"}))
    print_project_changes(comparison)


def print_project_changes(comparison: Comparison) -> None:
    """Per scenario, the projects that change, largest capex first, each change in words."""
    over = comparison.overview.set_index("scenario")
    for scenario in list(comparison.results)[1:]:
        changes = changed_projects(comparison, scenario)
        if scenario not in over.index or pd.isna(over.loc[scenario].get("projects_changed")):
            continue
        counts = over.loc[scenario]
        table = Table(title=f"Projects that change in {shown(scenario)}: "
                            f"{counts['projects_added']:,.0f} added, "
                            f"{counts['projects_dropped']:,.0f} dropped, "
                            f"{counts['projects_changed']:,.0f} changed (start year, or funded "
                            f"share by more than {100 * SHARE_TOLERANCE:g} percentage point)")
        table.add_column("project (largest capex first)")
        table.add_column("change")
        for project, change in changes[:CHANGES_SHOWN]:
            table.add_row(shown(project, 100), shown(change))
        if len(changes) > CHANGES_SHOWN:
            table.add_row(f"... and {len(changes) - CHANGES_SHOWN:,} more in projects.csv and "
                          "comparison.xlsx", "")
        if changes:
            console.print(table)
