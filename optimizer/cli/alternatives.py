"""``srsopt alternatives``: near-optimal plans that fund other projects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli import progress as cli_progress
from optimizer.cli.common import ScenarioOption, errors, load_with_scenario
from optimizer.cli.explain import warned
from optimizer.cli.text import shown_path
from optimizer.cli.whatif import console, frame_table, progress_bar


def fewer_hint(found: int, wanted: int, within: float, seconds: float) -> str:
    """What to try when fewer plans than asked were found within the share of the optimum."""
    what = "no other plan" if found == 0 else f"only {found} of {wanted} plans"
    wider = min(max(2 * within, 0.05), 1.0)
    return (f"{what} found within {within:.1%} of the optimum: none may exist that close, or "
            f"{seconds:g} s per plan was too short; try a larger --within (e.g. --within "
            f"{wider:g}) or more time (e.g. --time-limit {2 * seconds:g})")


def alternatives(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    within: Annotated[float, typer.Option(help="Objective within this share of the optimum.",
                                          callback=opt.within("share"))] = 0.02,
    count: Annotated[int, typer.Option("-n", "--count", help="How many alternatives.", min=1,
                                       max=100)] = 5,
    time_limit: opt.TimeLimit = None, gap: opt.Gap = None, threads: opt.Threads = None,
    scenario: ScenarioOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the plans and tables.")] = Path(
        "results/alternatives"),
    quiet: cli_progress.Quiet = False,
    force: cli_output.ForceOption = False,
) -> None:
    """Plans within a share of the optimum that fund as different projects as possible."""
    from optimizer.analysis.alternatives import alternatives as find
    from optimizer.outputs.alternatives_files import write_alternatives

    target = cli_output.plan(out, "alternatives", force=force,
                             inputs=[path, *cli_output.scenario_files(scenario)])
    instance, record = load_with_scenario(path, scenario)
    threads = opt.solver_threads(threads, instance)
    with progress_bar(quiet) as progress:
        task = progress.add_task("optimum, then alternatives", total=count, solver="")
        with warned(instance), cli_progress.alongside(progress, task, "alternatives",
                                                      quiet=quiet):
            found = find(instance, within=within, count=count, time_limit=time_limit,
                         mip_rel_gap=gap, threads=threads,
                         on_done=lambda r: progress.advance(task))
    if not found.optimum.has_plan:
        errors.print("[bold red]no optimum[/]: ", end="")
        errors.print(found.optimum.message, markup=False, highlight=False)
        raise typer.Exit(4)
    console.print(f"{len(found.plans)} alternative(s) within {within:.1%} of the optimum "
                  f"(objective <= {found.bound:,.2f})")
    if len(found.plans) < count:
        seconds = time_limit if time_limit is not None else instance.settings.solver.time_limit
        console.print(fewer_hint(len(found.plans), count, within, seconds), style="yellow",
                      highlight=False)
    console.print(frame_table("Plans", found.overview, {
        "objective": ",.2f", "change_pct": "+.3f", "funded_projects": ",.0f",
        "differs_from_optimum": ",.0f", "nearest_earlier": ",.0f"}))
    diff = found.differences
    console.print(frame_table(f"Projects funded by some plans only (start year; {len(diff)} rows, "
                         "first 30)", diff.head(30).astype(object), {"capex": ",.0f"}))
    with cli_output.refusals():
        write_alternatives(found, target, record)
    console.print(f"plans written to [bold]{shown_path(out)}[/] (plans.csv, differences.csv, "
                  "one folder per plan)")
