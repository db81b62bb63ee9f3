"""``srsopt pareto``: growth against shortfall, a plan at each level of output added."""

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
from optimizer.cli.files import LangOption
from optimizer.cli.text import shown_path
from optimizer.cli.whatif import batch_console, console, errors, frame_table
from optimizer.outputs.labels import DEFAULT_LANG


def _points(value: int) -> int:
    """``--points``' check (typer's callback): a located error names the option."""
    from optimizer.analysis.pareto import check_points

    try:
        return check_points(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def pareto(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    points: Annotated[int, typer.Option(help="Levels of output added on the curve (2-200); "
                                        "each is a solve.", callback=_points)] = 5,
    jobs: batches.Jobs = 1,
    time_limit: Annotated[float | None, typer.Option(
        help="Seconds per solve (default: the instance's solver.time_limit).",
        callback=opt.within("seconds"))] = None,
    gap: opt.Gap = None,
    threads: Annotated[int, typer.Option(help="HiGHS threads per solve.",
                                         callback=opt.within("threads"))] = 1,
    node_limit: opt.NodeLimit = None,
    scenario: ScenarioOption = None,
    out: Annotated[Path, typer.Option(help="Folder for pareto.csv, the chart and the plans.")
                   ] = Path("results/pareto"),
    lang: LangOption = DEFAULT_LANG,
    quiet: cli_progress.Quiet = False,
    force: cli_output.ForceOption = False,
    scheduler: batches.Scheduler = None, retries: batches.Retries = 2,
) -> None:
    """Growth against shortfall: the plans between the least shortfall and the most output.

    The shortfall-optimal plan and the most output any plan adds are solved here; then each
    level of output added between them is a solve with "output added >= level" (here, on a
    local Dask cluster with ``--jobs`` or on a running one with ``--scheduler``), started
    from the shortfall-optimal plan.
    """
    from optimizer.distributed.analyses import pareto as run_pareto
    from optimizer.outputs.pareto_files import write_front

    target = cli_output.plan(out, "pareto", force=force,
                             inputs=[path, *cli_output.scenario_files(scenario)])
    instance, _ = load_with_scenario(path, scenario)
    threads = opt.on_cores(threads) or 1
    with warned(instance), batches.runner(scheduler, jobs, retries) as runner, \
            batches.Display("pareto", batch_console(quiet)) as display:
        front, outcomes = run_pareto(instance, points, runner=runner, time_limit=time_limit,
                                     mip_rel_gap=gap, threads=threads, node_limit=node_limit,
                                     on_progress=display.update)
    if front.points.empty:
        end = front.ends["shortfall"]
        errors.print(f"no shortfall-optimal plan ({end.status.value}): no curve; nothing "
                     "written", style="bold red", markup=False)
        raise typer.Exit(Exit.NO_PLAN)
    if outcomes and batches.report(outcomes, "points") == len(outcomes):
        errors.print("no point of the curve has a result; nothing written", style="bold red")
        raise typer.Exit(Exit.NO_PLAN)
    shown = front.points[["point", "level", "output_added", "shortfall", "objective",
                          "status", "gap"]].copy()
    shown["gap"] *= 100
    console.print(frame_table("Growth against shortfall (output added million KZT over the "
                              "horizon, shortfall persons in the last target year, gap %)",
                              shown, {"level": ",.1f", "output_added": ",.1f",
                                      "shortfall": ",.0f", "objective": ",.2f",
                                      "gap": ".2f"}))
    with cli_output.refusals():
        written = write_front(front, instance, target, lang=lang)
    console.print(f"curve written to [bold]{shown_path(written)}[/] (pareto.csv, pareto.png, "
                  f"pareto.html, points/{', missing.csv' if len(front.missing) else ''})")
