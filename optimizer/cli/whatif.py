"""``srsopt whatif``, ``sweep`` and ``alternatives``: the analyst's what-if commands."""

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

from models.instance import Instance
from models.scenario import ScenarioError
from optimizer.analysis.whatif import Case, compare, run_cases, scenario_case
from optimizer.cli import batches
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli.common import Exit, load
from optimizer.cli.text import literal, shown, shown_path

console = Console()
errors = Console(stderr=True)

TimeLimit, Gap, Threads = opt.TimeLimit, opt.Gap, opt.Threads
ScenarioOption = Annotated[str | None, typer.Option(
    help="Scenario files applied first, in order: a.yaml,b.yaml.")]


OVERVIEW_ROWS = (
    ("status", "status", ""), ("objective", "objective", ",.1f"),
    ("objective_change", "change vs base", "+,.1f"), ("mip_gap", "MIP gap %", ".2f"),
    ("funded_projects", "funded projects", ",.0f"), ("projects_added", "added vs base", ",.0f"),
    ("projects_dropped", "dropped vs base", ",.0f"),
    ("transfer", "transfers, million KZT", ",.0f"),
    ("shortfall_target_year", "shortfall, last target year", ",.0f"),
    ("solve_seconds", "seconds", ",.1f"), ("model", "model", ""),
)
"""(column, label, format) of the what-if overview, one row each, one column per case."""


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def load_with_scenario(path: Path, scenario: str | None) -> tuple[Instance, dict[str, Any] | None]:
    """The instance at ``path`` with ``--scenario`` applied; exit 2 on any input error."""
    instance = load(path)
    if not scenario:
        return instance, None
    try:
        case = scenario_case(instance, scenario, path)
    except ScenarioError as exc:
        scenario_error(exc)
        raise typer.Exit(Exit.INVALID_INPUT) from None
    return case.instance, case.record


def scenario_error(exc: ScenarioError) -> None:
    """Print a scenario's problem as written (a name may hold ``[/x]``)."""
    errors.print("[bold red]scenario error[/] ", end="")
    errors.print(literal(exc, 4000), markup=False, highlight=False)


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _fmt(value: Any, spec: str = ",.0f") -> str:
    return "–" if _missing(value) else format(value, spec)


def _text(value: Any) -> str:
    return "–" if _missing(value) else shown(value)


def _table(title: str, frame: pd.DataFrame, formats: dict[str, str]) -> Table:
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
    time_limit: TimeLimit = None, gap: Gap = None, threads: Threads = None,
    force: cli_output.ForceOption = False,
    scheduler: batches.Scheduler = None, jobs: batches.Jobs = 1, retries: batches.Retries = 2,
) -> None:
    """Solve the base and every scenario, and compare them: terminal tables, CSV, chart.

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
        results = _cases_as_tasks(cases, scheduler, jobs, retries, time_limit=time_limit,
                                  mip_rel_gap=gap, threads=threads)
    else:
        with _progress() as progress:
            task = progress.add_task("what-if", total=len(cases))
            results = run_cases(
                cases, time_limit=time_limit, mip_rel_gap=gap, threads=threads,
                on_start=lambda c: progress.update(task, description=f"solving {shown(c.name)}"),
                on_done=lambda c, r: progress.advance(task))
    comparison = compare(results)
    print_comparison(comparison)
    with cli_output.refusals():
        written = write_comparison(comparison, target)
    console.print(f"comparison written to [bold]{shown_path(out)}[/] ({len(written)} files)")


def _cases_as_tasks(cases: list[Case], scheduler: str | None, jobs: int, retries: int,
                    **options: Any) -> dict[str, Any]:
    """Every case as a Dask task; exit 4 if the base has no result (nothing to compare with)."""
    from optimizer.distributed.analyses import run_cases as run_tasks

    with batches.runner(scheduler, jobs, retries) as runner, batches.Display(
            "what-if", console) as display:
        results, outcomes = run_tasks(cases, runner=runner, on_progress=display.update,
                                      **options)
    batches.report(outcomes, "cases")
    if cases[0].name not in results:
        errors.print("no comparison: the base has no result", style="bold red")
        raise typer.Exit(Exit.NO_PLAN)
    return results


def print_comparison(comparison: Any) -> None:
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
        console.print(_table("National provision in the last target year (change in points)",
                             wide, {}))
        money = comparison.money.pivot_table(index="year", columns="scenario",
                                             values="transfer").reset_index()
        money = money[["year", *[s for s in comparison.results if s in money]]]
        console.print(_table("Republican transfers per year (million KZT)", money,
                             {c: ",.0f" for c in money.columns if c != "year"} | {"year": "d"}))
        reg = comparison.regions.dropna(subset=["change"])
        reg = reg[reg["scenario"] != next(iter(comparison.results))]
        top = reg.reindex(reg["change"].abs().sort_values(ascending=False).index).head(10)
        console.print(_table("Regions whose provision moves most (last target year, points)",
                             top.assign(provision=100 * top["provision"],
                                        change=100 * top["change"])[
                                 ["scenario", "region_id", "provision", "change"]],
                             {"provision": ".1f", "change": "+.2f"}))


def sweep(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    envelope: Annotated[str, typer.Option(help="Envelope scales START:STOP:POINTS.")
                        ] = "0.5:2.0:16",
    jobs: batches.Jobs = 1,
    time_limit: Annotated[float | None, typer.Option(
        help="Seconds per point (default: the instance's solver.time_limit).",
        callback=opt.within("seconds"))] = None,
    gap: Gap = None,
    threads: Annotated[int, typer.Option(help="HiGHS threads per point.",
                                         callback=opt.within("threads"))] = 1,
    node_limit: opt.NodeLimit = None,
    scenario: ScenarioOption = None,
    out: Annotated[Path, typer.Option(help="Folder for sweep.csv and sweep.png.")] = Path(
        "results/sweep"),
    force: cli_output.ForceOption = False,
    scheduler: batches.Scheduler = None, retries: batches.Retries = 2,
) -> None:
    """Budget curve: provision and shortfall against the envelope, and what a million buys.

    The points are solved here one after another, on a local Dask cluster (``--jobs``) or on
    a running one (``--scheduler``): the same tasks, the same curve.
    """
    from optimizer.analysis.sweep import parse_range
    from optimizer.distributed.analyses import sweep as run_sweep
    from optimizer.outputs.sweep_files import write_curve

    try:
        scales = parse_range(envelope)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    target = cli_output.plan(out, "sweep", force=force,
                             inputs=[path, *cli_output.scenario_files(scenario)])
    instance, _ = load_with_scenario(path, scenario)
    threads = opt.on_cores(threads) or 1
    with batches.runner(scheduler, jobs, retries) as runner, batches.Display(
            "sweep", console) as display:
        curve, outcomes = run_sweep(instance, scales, runner=runner, time_limit=time_limit,
                                    mip_rel_gap=gap, threads=threads, node_limit=node_limit,
                                    on_progress=display.update)
    if batches.report(outcomes, "points") == len(outcomes):
        errors.print("no point of the curve has a result; nothing written", style="bold red")
        raise typer.Exit(Exit.NO_PLAN)
    columns = [c for c in ("scale", "envelope", "transfer", "status", "mip_gap", "shortfall",
                           "provision_urban", "provision_rural",
                           "marginal_persons_per_million") if c in curve.points]
    shown = curve.points[columns].copy()
    for column in ("mip_gap", "provision_urban", "provision_rural"):
        if column in shown:
            shown[column] *= 100
    console.print(_table("Budget curve (money million KZT, shortfall persons in the last "
                         "target year, provision % in that year)", shown,
                         {"scale": ".3f", "envelope": ",.0f", "transfer": ",.0f",
                          "mip_gap": ".2f", "shortfall": ",.0f", "provision_urban": ".2f",
                          "provision_rural": ".2f", "marginal_persons_per_million": ",.3f"}))
    with cli_output.refusals():
        write_curve(curve, target)
    console.print(f"curve written to [bold]{shown_path(out)}[/] (sweep.csv, sweep_national.csv, "
                  f"sweep.png{', missing.csv' if len(curve.missing) else ''})")


def alternatives(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    within: Annotated[float, typer.Option(help="Objective within this share of the optimum.",
                                          callback=opt.within("share"))] = 0.02,
    count: Annotated[int, typer.Option("-n", "--count", help="How many alternatives.", min=1,
                                       max=100)] = 5,
    time_limit: TimeLimit = None, gap: Gap = None, threads: Threads = None,
    scenario: ScenarioOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the plans and tables.")] = Path(
        "results/alternatives"),
    force: cli_output.ForceOption = False,
) -> None:
    """Plans within a share of the optimum that fund as different projects as possible."""
    from optimizer.analysis.alternatives import alternatives as find
    from optimizer.outputs.alternatives_files import write_alternatives

    target = cli_output.plan(out, "alternatives", force=force,
                             inputs=[path, *cli_output.scenario_files(scenario)])
    instance, record = load_with_scenario(path, scenario)
    threads = opt.solver_threads(threads, instance)
    with _progress() as progress:
        task = progress.add_task("optimum, then alternatives", total=count)
        found = find(instance, within=within, count=count, time_limit=time_limit,
                     mip_rel_gap=gap, threads=threads, on_done=lambda r: progress.advance(task))
    if not found.optimum.has_plan:
        errors.print("[bold red]no optimum[/]: ", end="")
        errors.print(found.optimum.message, markup=False, highlight=False)
        raise typer.Exit(4)
    console.print(f"{len(found.plans)} alternative(s) within {within:.1%} of the optimum "
                  f"(objective <= {found.bound:,.2f})")
    console.print(_table("Plans", found.overview, {
        "objective": ",.2f", "change_pct": "+.3f", "funded_projects": ",.0f",
        "differs_from_optimum": ",.0f", "nearest_earlier": ",.0f"}))
    diff = found.differences
    console.print(_table(f"Projects funded by some plans only (start year; {len(diff)} rows, "
                         "first 30)", diff.head(30).astype(object), {"capex": ",.0f"}))
    with cli_output.refusals():
        write_alternatives(found, target, record)
    console.print(f"plans written to [bold]{shown_path(out)}[/] (plans.csv, differences.csv, "
                  "one folder per plan)")
