"""``srsopt evaluate``: score a plan the analyst already has, and how far it is from the best.

Exit codes: 0 the plan is feasible (scored and compared), 2 invalid input (the instance, or a
plan row naming an unknown project or a year outside the horizon: every problem located), 3 the
plan breaks rules (each listed: rule, project, region, year, amount), 5 the scored plan failed
independent verification.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from optimizer.analysis.evaluate import Evaluation
from optimizer.analysis.evaluate import evaluate as evaluate_plan
from optimizer.analysis.plan_input import PlanError, read_plan
from optimizer.check.verify import VerificationError
from optimizer.cli import options as opt
from optimizer.cli import output as cli_output
from optimizer.cli.common import Exit, console, errors, load, print_issues
from optimizer.cli.solve import print_summary
from optimizer.cli.text import literal, shown_path


def _print_breaks(evaluation: Evaluation, limit: int = 40) -> None:
    """Each break on its line: rule, then where and by how much in words."""
    errors.print(f"the plan breaks {len(evaluation.breaks)} rule(s):", style="bold red")
    for row in evaluation.breaks.head(limit).itertuples():
        errors.print(f"  - {row.rule}: {literal(row.message, 600)}", markup=False,
                     highlight=False)
    if len(evaluation.breaks) > limit:
        errors.print(f"  ... and {len(evaluation.breaks) - limit} more (--out writes them all "
                     "to violations.csv)", markup=False, highlight=False)


def evaluate(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    plan: Annotated[Path, typer.Option(
        help="The draft plan: a CSV of starts (project_id, start_year, share), a results "
             "folder (its starts.csv) or a workbook (a sheet with those columns).")],
    sheet: Annotated[str | None, typer.Option(
        help="Sheet of a workbook plan (default: 'starts', else the first sheet with a project "
             "and a start-year column).")] = None,
    time_limit: opt.TimeLimit = None,
    gap: opt.Gap = None,
    threads: opt.Threads = None,
    compare: Annotated[bool, typer.Option(
        help="Solve the instance within --time-limit and compare (--no-compare: only score "
             "the plan).")] = True,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the scored plan's tables, evaluation.json and differences.csv (or "
             "violations.csv).")] = None,
    force: cli_output.ForceOption = False,
) -> None:
    """Score a draft plan: every rule it breaks, or its results and its distance to the best."""
    target = (cli_output.plan(out, "evaluation", force=force, inputs=[path, plan])
              if out is not None else None)
    instance = load(path)
    try:
        starts = read_plan(plan, instance, sheet)
    except PlanError as exc:
        print_issues(exc.issues, f"{literal(plan)}: {len(exc.issues)} problem(s) in the plan",
                     "bold red")
        raise typer.Exit(Exit.INVALID_INPUT) from None
    try:
        with console.status(f"scoring {shown_path(plan)}"
                            + (" and solving to compare…" if compare else "…")):
            found = evaluate_plan(instance, starts, source=str(plan), time_limit=time_limit,
                                  mip_rel_gap=gap, threads=opt.solver_threads(threads, instance),
                                  compare_with_best=compare)
    except VerificationError as exc:
        errors.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(Exit.VERIFICATION_FAILED) from None
    if found.feasible and found.result is not None:
        print_summary(instance, found.result)
        console.print(f"  {literal(found.comparison.get('sentence', ''), 1000)}", markup=False,
                      highlight=False)
    else:
        _print_breaks(found)
    if target is not None:
        from optimizer.outputs.evaluation_files import write_evaluation

        with cli_output.refusals():
            written = write_evaluation(found, str(plan), target)
        console.print(f"evaluation written to [bold]{shown_path(written[0].parent)}[/]")
    if not found.feasible:
        raise typer.Exit(Exit.INFEASIBLE)
