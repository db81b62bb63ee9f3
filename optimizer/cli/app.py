"""``srsopt``: a thin command-line shell over the Python API (typer + rich)."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from models.errors import InstanceError, Issue
from models.instance import Instance, load_instance
from models.result import Result, SolveStatus
from optimizer.analysis.whatif import with_scenario
from optimizer.check.verify import VerificationError
from optimizer.cli import crash
from optimizer.cli import explain as cli_explain
from optimizer.cli import files as cli_files
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli import whatif as cli_whatif
from optimizer.cli.export import export
from optimizer.cli.text import literal, shown, shown_path
from optimizer.highs.names import Backend
from optimizer.outputs.results_io import national_at_targets, worst_regions
from optimizer.runtime import stopping
from optimizer.solving.pipeline import solve as solve_instance
from optimizer.solving.strategy import Strategy

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Budget allocation for Kazakhstan's System of Regional Standards.")
console = Console()
errors = Console(stderr=True)


class Exit:
    """Exit codes a calling program can act on."""

    OK = 0
    INTERNAL_ERROR = crash.INTERNAL_ERROR
    INVALID_INPUT = 2
    INFEASIBLE = 3
    NO_PLAN = 4
    VERIFICATION_FAILED = 5
    SIGINT = 130
    """Stopped by SIGINT (Ctrl-C); the best plan so far is written, if there was one."""
    SIGTERM = 143
    """Stopped by SIGTERM; as SIGINT."""


STOP_NOTICE = ("srsopt: {signal} received: stopping; the best plan so far is kept and written "
               "(a few seconds)")


def stoppable(command: Callable[..., None]) -> Callable[..., None]:
    """The command with SIGINT and SIGTERM as a stop request (``optimizer.runtime.stopping``).

    The command finishes with what it has (the solve returns its best plan, ``interrupted``) and
    writes it; then the exit code is 130 (SIGINT) or 143 (SIGTERM) in place of 0 (a plan) or
    4 (no plan). Invalid input (2), infeasibility (3) and a failed verification (5) keep their
    codes. Signals during writing only add to the request, so no file is left half-written.
    """
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        code = Exit.OK
        with stopping.on_signals(STOP_NOTICE):
            try:
                command(*args, **kwargs)
            except typer.Exit as exc:
                code = exc.exit_code
            signum = stopping.received()
        if signum is not None and code in (Exit.OK, Exit.NO_PLAN):
            code = stopping.exit_code(signum)
        if code != Exit.OK:
            raise typer.Exit(code)

    return wrapper


@app.callback()
def _every_command(ctx: typer.Context, debug: Annotated[bool, typer.Option(
        "--debug", help=f"On an internal error show Python's traceback instead of one line "
        f"(also {crash.DEBUG_ENV}=1).")] = False) -> None:
    ctx.call_on_close(cli_output.release_all)  # output locks end with the command
    if debug:
        os.environ[crash.DEBUG_ENV] = "1"


def _print_issues(issues: list[Issue], title: str, style: str, limit: int = 200) -> None:
    errors.print(title, style=style, markup=False, highlight=False)
    for issue in issues[:limit]:
        errors.print(f"  - {issue}", markup=False, highlight=False)
    if len(issues) > limit:
        errors.print(f"  ... and {len(issues) - limit} more")


def _load(path: Path) -> Instance:
    try:
        instance = load_instance(path)
    except InstanceError as exc:
        _print_issues(exc.issues, f"{literal(exc.source)}: {len(exc.issues)} error(s)",
                      "bold red")
        if exc.warnings:
            _print_issues(exc.warnings, f"{len(exc.warnings)} warning(s)", "yellow")
        raise typer.Exit(Exit.INVALID_INPUT) from None
    if instance.warnings:
        _print_issues(list(instance.warnings), f"{len(instance.warnings)} warning(s)", "yellow",
                      limit=10)
    return instance


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
) -> None:
    """Check an instance and list every problem, each with its file, line, ID and field."""
    instance = _load(path)
    console.print(f"[green]valid[/]: {shown(instance.settings.name)} — "
                  f"{len(instance.regions)} regions, {len(instance.settlements):,} settlements, "
                  f"{len(instance.projects):,} projects, "
                  f"years {instance.years[0]}–{instance.years[-1]}")


@app.command()
@stoppable
def solve(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    out: Annotated[Path, typer.Option(help="Folder for summary.json and CSV tables; a .xlsx path "
                                      "writes only the results workbook.")] = Path("results"),
    time_limit: opt.TimeLimit = None,
    gap: opt.Gap = None,
    threads: opt.Threads = None,
    node_limit: opt.NodeLimit = None,
    strategy: Annotated[Strategy, typer.Option(
        help="engineered: LP + RENS plan + Lagrangian bound + HiGHS; plain: HiGHS alone.")
    ] = "engineered",
    log: Annotated[bool, typer.Option(help="Show the HiGHS log.")] = False,
    backend: Annotated[Backend, typer.Option(
        help="highs: the array build; pyomo: the Pyomo reference (slower, same plan).")] = "highs",
    excel: Annotated[bool, typer.Option(help="Also write OUT/results.xlsx.")] = False,
    report: Annotated[bool, typer.Option(help="Also write OUT/report.html with charts.")] = False,
    scenario: cli_whatif.ScenarioOption = None,
    baseline_plan: Annotated[Path | None, typer.Option(
        help="Results folder of an approved plan: moving or dropping its starts is penalised."
    )] = None,
    baseline_penalty: opt.Penalty = None,
    force: cli_output.ForceOption = False,
) -> None:
    """Solve an instance, print a summary and write DIR/summary.json plus CSV tables."""
    logging.basicConfig(level=logging.INFO if log else logging.WARNING,
                        format="%(asctime)s %(name)s: %(message)s")
    targets = cli_files.plan_solve_outputs(out, report=report, force=force, inputs=[
        path, baseline_plan, *cli_output.scenario_files(scenario)])
    instance, record = cli_whatif.load_with_scenario(path, scenario)
    instance = cli_explain.apply_baseline(instance, baseline_plan, baseline_penalty)
    cli_explain.warn_before_solve(instance)
    try:
        with console.status(f"solving {shown(instance.settings.name)} with HiGHS…"):
            result = solve_instance(instance, time_limit=time_limit, mip_rel_gap=gap,
                                    threads=opt.solver_threads(threads, instance),
                                    log_to_console=log, backend=backend,
                                    node_limit=node_limit, strategy=strategy)
    except VerificationError as exc:
        errors.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(Exit.VERIFICATION_FAILED) from None
    except NotImplementedError as exc:  # e.g. the Pyomo reference asked for a phase-2 rule
        errors.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(Exit.INVALID_INPUT) from None
    if result.status == SolveStatus.INTERRUPTED and not result.has_plan:
        print_summary(instance, result)
        errors.print(f"nothing written: no plan yet to keep; {out} is left as it was",
                     markup=False, highlight=False)
        raise typer.Exit(Exit.NO_PLAN)
    result = with_scenario(result, record)  # scenario.json goes with the results
    written = cli_files.write_solve_outputs(result, instance, targets, excel=excel, report=report)
    print_summary(instance, result)
    console.print(f"results written to [bold]{', '.join(map(shown_path, written))}[/]")
    if result.status == SolveStatus.INFEASIBLE:
        cli_explain.explain_infeasible(instance, time_limit)
        raise typer.Exit(Exit.INFEASIBLE)
    if not result.has_plan:
        raise typer.Exit(Exit.NO_PLAN)


app.command()(export)
app.command()(cli_explain.explain)
app.command()(cli_files.convert)
app.command()(cli_files.template)
app.command()(cli_files.report)
app.command()(stoppable(cli_whatif.whatif))
app.command()(stoppable(cli_whatif.sweep))
app.command()(stoppable(cli_whatif.alternatives))


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the instance to.")],
    settlements: opt.Settlements = 200,
    projects: opt.Projects = 400,
    seed: opt.Seed = 0,
    force: cli_output.ForceOption = False,
) -> None:
    """Write a synthetic instance (folder form) of any size; labelled synthetic."""
    from models.folder import write_folder
    from models.synthetic import generate_tables

    target = cli_output.plan(out, "instance", force=force)
    settings, tables = generate_tables(settlements, projects, seed)
    with cli_output.refusals():
        write_folder(settings, tables, target)
    console.print(f"wrote synthetic instance to [bold]{shown_path(out)}[/]: {settlements:,} "
                  f"settlements, {projects:,} projects, seed {seed}")


def _pct(value: float | None) -> str:
    return "–" if value is None or value != value else f"{100 * value:.1f}%"


def print_summary(instance: Instance, result: Result) -> None:
    """The at-a-glance summary: status, targets, money per year, worst regions."""
    colour = {"optimal": "green", "time_limit": "yellow", "limit_reached": "yellow",
              "interrupted": "yellow"}.get(result.status.value, "red")
    gap = "–" if result.mip_gap is None else f"{100 * result.mip_gap:.2f}%"
    console.print(f"\n[bold]{shown(instance.settings.name)}[/]  status [{colour}]"
                  f"{result.status.value}[/]  gap {gap}  build {result.build_seconds:.2f} s  solve "
                  f"{result.solve_seconds:.2f} s")
    console.print(f"  {result.message}", markup=False)
    if not result.has_plan:
        return
    bound = "–" if result.bound is None else f"{result.bound:,.2f}"  # staged modes: none
    console.print(f"  objective {result.objective:,.2f} (bound {bound})")

    nat = Table(title="National provision, last year (share of residents served)")
    for column in ("category", "area", "baseline", "plan", "target", "shortfall (persons)"):
        nat.add_column(column, justify="left" if column in ("category", "area") else "right")
    for row in national_at_targets(result).itertuples():
        short = "–" if row.shortfall != row.shortfall else f"{row.shortfall:,.0f}"
        nat.add_row(row.category, row.area, _pct(row.baseline), _pct(row.provision),
                    _pct(row.target), short)
    console.print(nat)

    money = Table(title="Money per year (million KZT)")
    for column in ("year", "envelope", "transfer", "used", "co-financing", "new opex",
                   "LP value of 1 mn KZT"):
        money.add_column(column, justify="right")
    per_year = result.region_years.groupby("year")[["cofinancing", "new_opex"]].sum()
    for row in result.envelope.itertuples():
        marginal = getattr(row, "lp_marginal_value", float("nan"))
        money.add_row(str(row.year), f"{row.envelope:,.0f}", f"{row.transfer:,.0f}",
                      _pct(row.transfer / row.envelope if row.envelope else 0.0),
                      f"{per_year.loc[row.year, 'cofinancing']:,.0f}",
                      f"{per_year.loc[row.year, 'new_opex']:,.0f}",
                      "–" if marginal != marginal else f"{-marginal:,.3f}")
    console.print(money)

    worst = worst_regions(result)
    if not worst.empty:
        table = Table(title="Largest remaining shortfall (last target year)")
        for column in ("region", "shortfall (persons)", "baseline", "plan"):
            table.add_column(column, justify="left" if column == "region" else "right")
        for row in worst.itertuples():
            table.add_row(shown(row.region_id), f"{row.shortfall:,.0f}", _pct(row.baseline),
                          _pct(row.provision))
        console.print(table)
    funded = result.projects[result.projects["funded"] > 1e-9]
    console.print(f"  {len(funded):,} of {len(result.projects):,} projects funded, capex "
                  f"{funded['funded_capex'].sum():,.0f} million KZT; republican transfers "
                  f"{result.region_years['transfer'].sum():,.0f} million KZT")


def main() -> None:
    """The console entry (``srsopt``, ``python -m optimizer.cli.app``): no traceback, exit codes."""
    crash.run_console(app)


if __name__ == "__main__":  # pragma: no cover
    main()
