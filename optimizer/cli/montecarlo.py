"""``srsopt montecarlo``: how a plan fares when capex, revenue and population are drawn.

The plan is ``--plan RESULTS_DIR`` or, without it, the instance's own plan (solved here first).
Each draw of the uncertainty file is one task on the distributed layer (``--jobs``,
``--scheduler``, ``--retries``); the same seed gives the same files on any number of workers.
Exit codes: 0 written, 2 invalid input, 4 no plan to start from or no draw with a result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from models.scenario import ScenarioError
from models.uncertainty import Uncertainty, read_uncertainty
from models.uncertainty_draw import Coverage, cover
from optimizer.analysis.montecarlo import MonteCarloBase, nominal_record, plan_years
from optimizer.analysis.montecarlo_summary import ALL, Summary, headline, summarize
from optimizer.analysis.plan_input import PlanError, read_plan
from optimizer.api import solve
from optimizer.cli import batches
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli.common import Exit, console, errors, load, print_issues, uncertainty_error
from optimizer.cli.files import LangOption
from optimizer.cli.progress import Quiet
from optimizer.cli.text import literal, shown_path
from optimizer.cli.whatif import frame_table
from optimizer.outputs.labels import DEFAULT_LANG

MAX_DRAWS = 100_000
DEFAULT_FILE = "uncertainty.yaml"
"""The uncertainty file looked for beside an instance folder when ``--uncertainty`` is not given."""
RECOURSE_GAP = 1e-6
"""MIP gap of a draw's recourse solve (small: only the plan's projects) unless ``--gap``."""


def _uncertainty_file(path: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    beside = path / DEFAULT_FILE
    if path.is_dir() and beside.is_file():
        return beside
    errors.print(f"srsopt: give --uncertainty FILE (no {DEFAULT_FILE} in {literal(path)}); the "
                 "format is in docs/montecarlo.md", markup=False, highlight=False,
                 style="bold red")
    raise typer.Exit(Exit.INVALID_INPUT)


def _read(path: Path, instance: Any) -> tuple[Uncertainty, Coverage]:
    try:
        uncertainty, problems = read_uncertainty(path)
        return uncertainty, cover(uncertainty, instance, problems)
    except ScenarioError as exc:
        raise uncertainty_error(exc) from None


def _print(summary: Summary, names: dict[str, str]) -> None:
    """The headline figures and the regions least likely to meet their targets."""
    head = headline(summary)
    national = summary.targets[(summary.targets["region_id"] == ALL)
                               & (summary.targets["category"] == ALL)]
    short = summary.shortfall[summary.shortfall["region_id"] == ALL]
    table = national.merge(short, on=["year"])[["year", "probability", "mean", "p10", "p50",
                                                 "p90"]]
    table["probability"] *= 100
    console.print(frame_table(f"{head['draws']} draws: probability (%) that every target of "
                              "the year is met, and persons short", table,
                              {"year": "d", "probability": ".1f", "mean": ",.0f",
                               "p10": ",.0f", "p50": ",.0f", "p90": ",.0f"}))
    regions = summary.targets[(summary.targets["region_id"] != ALL)
                              & (summary.targets["category"] == ALL)]
    worst = regions.sort_values(["probability", "region_id"]).head(10).assign(
        region=lambda f: f["region_id"].map(lambda r: names.get(r, r)),
        probability=lambda f: 100 * f["probability"])
    console.print(frame_table("Regions least likely to meet their targets (%)",
                              worst[["region", "year", "probability"]],
                              {"year": "d", "probability": ".1f"}))
    if len(summary.projects):
        console.print(frame_table("Projects most often cut or delayed",
                                  summary.projects.head(10),
                                  {"times_cut": "d", "times_delayed": "d", "share_cut": ".3f",
                                   "share_delayed": ".3f"}))


def montecarlo(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    draws: Annotated[int, typer.Option(help="Number of draws.", min=1, max=MAX_DRAWS)] = 100,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same draws.",
                                      min=0, max=2**63 - 1)] = 1,
    plan: Annotated[Path | None, typer.Option(
        help="The plan to test: a results folder (its starts.csv) or a starts CSV; default: "
             "the instance solved here first.")] = None,
    uncertainty: Annotated[Path | None, typer.Option(
        help=f"Uncertainty file (YAML, docs/montecarlo.md); default: {DEFAULT_FILE} in the "
             "instance folder.")] = None,
    reoptimize: Annotated[bool, typer.Option(
        help="Solve each draw in full (the distribution of the best plan) instead of keeping "
             "the plan.")] = False,
    out: Annotated[Path, typer.Option(help="Folder for the CSV files, summary.json and "
                                           "montecarlo.html.")] = Path("results/montecarlo"),
    time_limit: opt.TimeLimit = None,
    gap: opt.Gap = None,
    node_limit: opt.NodeLimit = None,
    lang: LangOption = DEFAULT_LANG,
    quiet: Quiet = False,
    force: cli_output.ForceOption = False,
    jobs: batches.Jobs = 1,
    scheduler: batches.Scheduler = None,
    retries: batches.Retries = 2,
) -> None:
    """Monte Carlo of a plan: probabilities of meeting the targets, quantiles, projects cut."""
    file = _uncertainty_file(path, uncertainty)
    target = cli_output.plan(out, "montecarlo", force=force, inputs=[path, file, plan])
    instance = load(path)
    found, coverage = _read(file, instance)
    options = {"time_limit": time_limit, "node_limit": node_limit, "threads": 1,
               "mip_rel_gap": gap if gap is not None or reoptimize else RECOURSE_GAP}
    if plan is not None:
        try:
            starts = read_plan(plan, instance)
        except PlanError as exc:
            print_issues(exc.issues, f"{literal(plan)}: {len(exc.issues)} problem(s) in the "
                         "plan", "bold red")
            raise typer.Exit(Exit.INVALID_INPUT) from None
    else:
        with console.status("solving the instance for the plan to test…"):
            nominal = solve(instance, time_limit=time_limit, mip_rel_gap=gap,
                            node_limit=node_limit, threads=1, price_envelope=False)
        if not nominal.has_plan:
            errors.print(f"the instance has no plan to test ({nominal.status.value}): "
                         f"{literal(nominal.message, 300)}", markup=False, highlight=False,
                         style="bold red")
            raise typer.Exit(Exit.NO_PLAN)
        starts = nominal.table("starts")
    base = MonteCarloBase(instance=instance, coverage=coverage, plan=starts,
                          reoptimize=reoptimize)
    reference = nominal_record(base, options)
    from optimizer.distributed.analyses import montecarlo as run_draws

    display_console = console if not quiet else None
    with batches.runner(scheduler, jobs, retries) as runner, batches.Display(
            "montecarlo", display_console or _silent()) as display:
        records, missing, outcomes = run_draws(base, seed, draws, options, runner=runner,
                                               on_progress=display.update)
    if batches.report(outcomes, "draws") == len(outcomes):
        errors.print("no draw has a result; nothing written", style="bold red")
        raise typer.Exit(Exit.NO_PLAN)
    summary = summarize(records, missing)
    names = dict(zip(instance.regions["region_id"], instance.regions["name"], strict=True))
    meta = {"instance": instance.settings.name, "mode": "reoptimize" if reoptimize
            else "fixed_plan", "draws": draws, "seed": seed, "uncertainty": str(file),
            "uncertainty_name": found.name, "plan": str(plan) if plan else "solved here",
            "plan_projects": len(plan_years(starts)), "options": options,
            "nominal": reference.row, "headline": headline(summary),
            "srsopt_version": _version()}
    changes = _changes(records)
    _print(summary, names)
    from optimizer.outputs.montecarlo_files import write_montecarlo

    with cli_output.refusals():
        write_montecarlo(summary, changes, meta, names, target, lang)
    console.print(f"Monte Carlo written to [bold]{shown_path(out)}[/] (draws.csv, targets.csv, "
                  "shortfall_quantiles.csv, money_quantiles.csv, projects.csv, "
                  "montecarlo.html)")


def _changes(records: list[Any]) -> Any:
    import pandas as pd

    frames = [r.changes for r in sorted(records, key=lambda r: r.row["draw"]) if len(r.changes)]
    return (pd.concat(frames, ignore_index=True) if frames else
            pd.DataFrame(columns=["project_id", "plan_year", "drawn_year", "change", "draw"]))


def _silent() -> Any:
    from rich.console import Console

    return Console(quiet=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("srsopt")
    except PackageNotFoundError:
        return "unknown"
