"""``srsopt explain``: why an instance has no plan, in domain terms; and the solve's hooks.

Exit codes: 0 a plan exists (nothing to explain), 2 invalid input, 3 infeasible (explained),
4 the elastic model did not solve in time.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from models.instance import Instance
from optimizer.analysis.baseline import read_baseline, with_baseline
from optimizer.check.explain import Explanation
from optimizer.check.explain import explain as explain_instance
from optimizer.check.findings import Finding
from optimizer.check.prechecks import run_prechecks, told
from optimizer.cli.common import ScenarioOption, load_with_scenario
from optimizer.cli.options import within
from optimizer.cli.text import literal, shown_path

console = Console()
errors = Console(stderr=True)
EXIT = {"feasible": 0, "infeasible": 3, "unknown": 4}
WARNINGS_SHOWN = 20
"""Pre-solve warnings printed before a solve; the rest are counted."""


def print_findings(findings: list[Finding], out: Console = errors) -> None:
    """Pre-solve findings, errors in red and warnings in yellow."""
    for f in findings:
        style = "red" if f.severity == "error" else "yellow"
        out.print(f"[{style}]{f.severity}[/] ({f.rule}): ", end="")
        out.print(f.message, highlight=False, markup=False)


def print_explanation(found: Explanation, out: Console = console) -> None:
    """The explanation as an analyst reads it: checks, relaxation, causes, IIS."""
    out.print(f"[bold]{found.status}[/]: ", end="")
    out.print(found.message, highlight=False, markup=False)
    if found.prechecks:
        out.print("[bold]Pre-solve checks[/]")
        print_findings(found.prechecks, out)
    if found.relaxations:
        out.print("[bold]Smallest relaxation[/] (what would have to give, largest first)")
        for r in found.relaxations[:20]:
            out.print(f"  - {r.message}", highlight=False, markup=False)
        if len(found.relaxations) > 20:
            out.print(f"  ... and {len(found.relaxations) - 20} more (see --json)")
    if found.causes:
        out.print("[bold]Critical floors behind it[/]")
        for c in found.causes:
            out.print(f"  - {c.message}", highlight=False, markup=False)
    if found.iis is not None:
        out.print(f"[bold]LP IIS[/]: {found.iis.note}")
        for row in found.iis.rows[:20]:
            out.print(f"  - {row}", highlight=False, markup=False)


def apply_baseline(instance: Instance, plan: Path | None, penalty: float | None) -> Instance:
    """``--baseline-plan``: the approved starts of a results folder (exit 2 if unreadable)."""
    if plan is None:
        if penalty is not None:
            errors.print("[red]--baseline-penalty needs --baseline-plan[/]")
            raise typer.Exit(2)
        return instance
    try:
        starts = read_baseline(plan)
        planned = with_baseline(instance, starts, penalty)  # start years within their cap
    except (OSError, KeyError, TypeError, ValueError) as exc:
        errors.print(f"--baseline-plan {literal(plan)}: {literal(exc, 500)}", style="red",
                     markup=False, highlight=False)
        raise typer.Exit(2) from None
    console.print(f"baseline plan {shown_path(plan)}: {len(starts):,} approved starts")
    return planned


@contextlib.contextmanager
def warned(instance: Instance) -> Iterator[None]:
    """Print the pre-solve warnings once, before the solves run inside.

    Those solves then do not log them again (``check.prechecks.told``); errors come back as
    the solve's infeasible result.
    """
    shown = [f for f in run_prechecks(instance) if f.severity == "warning"]
    print_findings(shown[:WARNINGS_SHOWN])
    if len(shown) > WARNINGS_SHOWN:
        errors.print(f"  ... and {len(shown) - WARNINGS_SHOWN} more pre-solve warning(s)")
    with told(shown):
        yield


def explain_infeasible(instance: Instance, time_limit: float | None) -> None:
    """After an infeasible solve: print why."""
    limit = time_limit if time_limit is not None else instance.settings.solver.time_limit
    with console.status("explaining the infeasibility…"):
        found = explain_instance(instance, time_limit=limit, iis=False)
    print_explanation(found)


def explain(
    path: Annotated[Path, typer.Argument(help="Instance: folder, .xlsx or .json.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for a program.")] = False,
    iis: Annotated[bool, typer.Option(help="Also compute HiGHS's IIS of the LP relaxation.")
                   ] = True,
    time_limit: Annotated[float | None, typer.Option(
        help="Seconds per elastic solve.", callback=within("seconds"))] = None,
    baseline_plan: Annotated[Path | None, typer.Option(
        help="Results folder of an approved plan (as for solve).")] = None,
    scenario: ScenarioOption = None,
) -> None:
    """Explain why an instance has no plan: which rule, region, year, and by how much.

    With --scenario, the instance with the scenario's changes applied (as solve --scenario).
    """
    instance = apply_baseline(load_with_scenario(path, scenario)[0], baseline_plan, None)
    limit = time_limit if time_limit is not None else instance.settings.solver.time_limit
    if json_out:
        found = explain_instance(instance, time_limit=limit, iis=iis)
        typer.echo(json.dumps(found.to_dict(), indent=2, default=float))
    else:
        with console.status("explaining…"):
            found = explain_instance(instance, time_limit=limit, iis=iis)
        print_explanation(found)
    raise typer.Exit(EXIT[found.status])
