"""``srsopt sweep``: the budget curve, provision and shortfall against the envelope."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.cli import batches
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli import progress as cli_progress
from optimizer.cli.common import Exit, ScenarioOption, load_with_scenario
from optimizer.cli.explain import warned
from optimizer.cli.text import shown_path
from optimizer.cli.whatif import (
    Cold,
    ScenarioTimeLimit,
    batch_console,
    console,
    errors,
    frame_table,
    progress_bar,
)


def sweep(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    envelope: Annotated[str, typer.Option(help="Envelope scales START:STOP:POINTS.")
                        ] = "0.5:2.0:16",
    jobs: batches.Jobs = 1,
    time_limit: Annotated[float | None, typer.Option(
        help="Seconds per point (default: the instance's solver.time_limit).",
        callback=opt.within("seconds"))] = None,
    gap: opt.Gap = None,
    threads: Annotated[int, typer.Option(help="HiGHS threads per point.",
                                         callback=opt.within("threads"))] = 1,
    node_limit: opt.NodeLimit = None,
    scenario: ScenarioOption = None,
    out: Annotated[Path, typer.Option(help="Folder for sweep.csv and sweep.png.")] = Path(
        "results/sweep"),
    quiet: cli_progress.Quiet = False,
    force: cli_output.ForceOption = False,
    scheduler: batches.Scheduler = None, retries: batches.Retries = 2,
    scenario_time_limit: ScenarioTimeLimit = None, cold: Cold = False,
) -> None:
    """Budget curve: provision and shortfall against the envelope, and what a million buys.

    The instance is solved once here, then every point starts from its plan (unless
    ``--cold``); the points are solved here one after another, on a local Dask cluster
    (``--jobs``) or on a running one (``--scheduler``): the same tasks, the same curve.
    """
    from optimizer.analysis.sweep import parse_range, solve_base
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
    base = None
    with warned(instance):
        if not cold:
            with progress_bar(quiet) as progress:
                task = progress.add_task("the instance itself: the points start from its plan",
                                         total=1, solver="")
                with cli_progress.alongside(progress, task, "sweep base", quiet=quiet):
                    base = solve_base(instance, time_limit=time_limit, mip_rel_gap=gap,
                                      threads=threads, node_limit=node_limit)
        with batches.runner(scheduler, jobs, retries) as runner, batches.Display(
                "sweep", batch_console(quiet)) as display:
            curve, outcomes = run_sweep(instance, scales.tolist(), runner=runner,
                                        time_limit=time_limit, mip_rel_gap=gap,
                                        threads=threads, node_limit=node_limit,
                                        start_from=base,
                                        scenario_time_limit=scenario_time_limit,
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
    console.print(frame_table("Budget curve (money million KZT, shortfall persons in the last "
                         "target year, provision % in that year)", shown,
                         {"scale": ".3f", "envelope": ",.0f", "transfer": ",.0f",
                          "mip_gap": ".2f", "shortfall": ",.0f", "provision_urban": ".2f",
                          "provision_rural": ".2f", "marginal_persons_per_million": ",.3f"}))
    with cli_output.refusals():
        write_curve(curve, target)
    console.print(f"curve written to [bold]{shown_path(out)}[/] (sweep.csv, sweep_national.csv, "
                  f"sweep.png{', missing.csv' if len(curve.missing) else ''})")
