"""``srsopt solve`` and the summary it prints."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from models.instance import Instance
from models.result import Result, SolveStatus
from models.scenario import ScenarioError
from optimizer.analysis.robust import solve_robust as robust
from optimizer.analysis.whatif import with_scenario
from optimizer.api import Backend
from optimizer.api import solve as solve_instance
from optimizer.check.verify import VerificationError
from optimizer.cli import batches
from optimizer.cli import explain as cli_explain
from optimizer.cli import files as cli_files
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli import progress as cli_progress
from optimizer.cli.common import (
    Exit,
    ScenarioOption,
    console,
    errors,
    load_with_scenario,
    stoppable,
    uncertainty_error,
)
from optimizer.cli.text import NAME_WIDTH, literal, shown, shown_path
from optimizer.distributed.regions import ClusterRegions
from optimizer.outputs.labels import DEFAULT_LANG
from optimizer.outputs.results_io import national_at_targets, worst_regions
from optimizer.outputs.why_text import unused_envelope_reasons
from optimizer.solving.regions import RegionRunner
from optimizer.solving.strategy import Strategy

RegionScheduler = Annotated[str | None, typer.Option(
    help="Dask scheduler to solve the Lagrangian decomposition's region MIPs on, one task per "
    "region, e.g. tcp://10.0.0.5:8786 (docs/scale-out.md); default: 2 local processes.",
    callback=batches.scheduler_address)]


@contextlib.contextmanager
def regions_on(scheduler: str | None, retries: int, instance: Instance, backend: Backend
               ) -> Iterator[RegionRunner | None]:
    """The region runner for ``--scheduler``: its Dask tasks; None: the local processes.

    Only the weighted objective on the array build decomposes: otherwise a warning, no cluster.
    """
    mode = instance.settings.objective.mode
    if scheduler is not None and (backend != "highs" or mode != "weighted"):
        batches.errors.print(f"[yellow]warning[/]: --scheduler is not used: the "
                             f"{'Pyomo backend' if backend != 'highs' else f'{mode} objective'} "
                             "is solved here, without the decomposition by region")
        scheduler = None
    if scheduler is None:
        yield None
        return
    with batches.runner(scheduler, 1, retries) as runner:
        yield ClusterRegions(runner)


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
    quiet: cli_progress.Quiet = False,
    backend: Annotated[Backend, typer.Option(
        help="highs: the array build; pyomo: the Pyomo reference (slower, same plan).")] = "highs",
    excel: Annotated[bool, typer.Option(help="Also write OUT/results.xlsx.")] = False,
    report: Annotated[bool, typer.Option(help="Also write OUT/report.html with charts.")] = False,
    scenario: ScenarioOption = None,
    baseline_plan: Annotated[Path | None, typer.Option(
        help="Results folder of an approved plan: moving or dropping its starts is penalised."
    )] = None,
    baseline_penalty: opt.Penalty = None,
    force: cli_output.ForceOption = False,
    lang: cli_files.LangOption = DEFAULT_LANG,
    scheduler: RegionScheduler = None,
    retries: batches.Retries = 2,
) -> None:
    """Solve an instance, print a summary and write DIR/summary.json plus CSV tables."""
    logging.basicConfig(level=logging.INFO if log else logging.WARNING,
                        format="%(asctime)s %(name)s: %(message)s")
    targets = cli_files.plan_solve_outputs(out, report=report, force=force, inputs=[
        path, baseline_plan, *cli_output.scenario_files(scenario)])
    instance, record = load_with_scenario(path, scenario)
    instance = cli_explain.apply_baseline(instance, baseline_plan, baseline_penalty)
    try:
        with cli_explain.warned(instance), regions_on(
                scheduler, retries, instance, backend) as regions, cli_progress.solving(
                f"solving {literal(instance.settings.name, NAME_WIDTH)}",
                quiet=quiet or log):  # the HiGHS log has its own lines
            how = solve_instance if instance.settings.objective.robust is None else robust
            result = how(instance, time_limit=time_limit, mip_rel_gap=gap,
                         threads=opt.solver_threads(threads, instance), log_to_console=log,
                         backend=backend, node_limit=node_limit, strategy=strategy,
                         regions=regions)
    except VerificationError as exc:
        errors.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(Exit.VERIFICATION_FAILED) from None
    except ScenarioError as exc:  # objective.robust's uncertainty file
        raise uncertainty_error(exc) from None
    except NotImplementedError as exc:  # e.g. the Pyomo reference asked for a staged objective mode
        errors.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(Exit.INVALID_INPUT) from None
    if result.status == SolveStatus.INTERRUPTED and not result.has_plan:
        print_summary(instance, result)
        errors.print(f"nothing written: no plan yet to keep; {out} is left as it was",
                     markup=False, highlight=False)
        raise typer.Exit(Exit.NO_PLAN)
    result = with_scenario(result, record)  # scenario.json goes with the results
    written = cli_files.write_solve_outputs(result, instance, targets, excel=excel, report=report,
                                            lang=lang)
    print_summary(instance, result)
    console.print(f"results written to [bold]{', '.join(map(shown_path, written))}[/]")
    if result.status == SolveStatus.INFEASIBLE:
        cli_explain.explain_infeasible(instance, time_limit)
        raise typer.Exit(Exit.INFEASIBLE)
    if not result.has_plan:
        raise typer.Exit(Exit.NO_PLAN)


def _pct(value: float | None) -> str:
    return "–" if value is None or value != value else f"{100 * value:.1f}%"


def print_summary(instance: Instance, result: Result) -> None:
    """The at-a-glance summary: status, targets, money per year, worst regions.

    Below the money, why envelope is left unused (``outputs.why_text``).
    """
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
    national = national_at_targets(result)
    for category, area, baseline, provision, target, shortfall in zip(
            national["category"], national["area"], national["baseline"], national["provision"],
            national["target"], national["shortfall"], strict=True):
        short = "–" if shortfall != shortfall else f"{shortfall:,.0f}"
        nat.add_row(category, area, _pct(baseline), _pct(provision), _pct(target), short)
    console.print(nat)

    money = Table(title="Money per year (million KZT)")
    for column in ("year", "envelope", "transfer", "used", "co-financing", "new opex",
                   "LP value of 1 mn KZT"):
        money.add_column(column, justify="right")
    region_years, envelope = result.table("region_years"), result.table("envelope")
    per_year = region_years.groupby("year")[["cofinancing", "new_opex"]].sum()
    marginals = (envelope["lp_marginal_value"] if "lp_marginal_value" in envelope
                 else [float("nan")] * len(envelope))
    for year, cap, transfer, marginal in zip(envelope["year"], envelope["envelope"],
                                             envelope["transfer"], marginals, strict=True):
        money.add_row(str(year), f"{cap:,.0f}", f"{transfer:,.0f}",
                      _pct(transfer / cap if cap else 0.0),
                      f"{per_year.loc[year, 'cofinancing']:,.0f}",
                      f"{per_year.loc[year, 'new_opex']:,.0f}",
                      "–" if marginal != marginal else f"{-marginal:,.3f}")
    console.print(money)
    unused = unused_envelope_reasons(result, instance)
    if unused:
        console.print("  Envelope left unused, and why:")
    for line in unused:
        console.print(f"    {literal(line, 1000)}", markup=False, highlight=False)

    worst = worst_regions(result)
    if not worst.empty:
        table = Table(title="Largest remaining shortfall (last target year)")
        for column in ("region", "shortfall (persons)", "baseline", "plan"):
            table.add_column(column, justify="left" if column == "region" else "right")
        for region, shortfall, baseline, provision in zip(
                worst["region_id"], worst["shortfall"], worst["baseline"], worst["provision"],
                strict=True):
            table.add_row(shown(region), f"{shortfall:,.0f}", _pct(baseline), _pct(provision))
        console.print(table)
    projects = result.table("projects")
    funded = projects[projects["funded"] > 1e-9]
    console.print(f"  {len(funded):,} of {len(projects):,} projects funded, capex "
                  f"{funded['funded_capex'].sum():,.0f} million KZT; republican transfers "
                  f"{region_years['transfer'].sum():,.0f} million KZT")
