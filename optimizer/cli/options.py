"""Solver options of the command line, checked against the caps of ``models.caps``.

A time limit of ``0``, ``-5``, ``inf`` or ``nan``, a gap outside [0, 1] or a node limit of
``0`` is a usage error (exit 2) before anything is read; more threads (or jobs) than the
machine has cores are clamped to the cores, with a warning: HiGHS gains nothing from them and
reserves memory for each (``--threads 1000000000`` aborted it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console

from models.caps import CAPS, MAX_ROWS, machine_cores
from models.errors import short
from models.instance import Instance

errors = Console(stderr=True)


def within(unit: str) -> Callable[[Any], Any]:
    """A typer callback refusing a value outside the cap of ``unit``, naming the cap."""
    cap = CAPS[unit]

    def check(value: Any) -> Any:
        if value is not None:
            problem = cap.problem(value)
            if problem is not None:
                raise typer.BadParameter(f"{short(str(value), 40)} {problem}")
        return value

    return check


TimeLimit = Annotated[float | None, typer.Option(
    help="Seconds (overrides instance); finite, above 0.", callback=within("seconds"))]
Gap = Annotated[float | None, typer.Option(
    help="Relative MIP gap to stop at, in [0, 1].", callback=within("share"))]
Threads = Annotated[int | None, typer.Option(
    help="HiGHS threads (at most the machine's cores).", callback=within("threads"))]
NodeLimit = Annotated[int | None, typer.Option(
    help="Reproducible mode: stop every MIP stage after N nodes instead of on time.",
    callback=within("count"))]
Penalty = Annotated[float | None, typer.Option(
    help="Objective units per changed approved start (default: instance, else 1000).",
    callback=within("weight"))]

Settlements = Annotated[int, typer.Option(help="Number of settlements.", min=1,
                                          max=MAX_ROWS // 20)]
"""Each settlement has a coverage row per standard (13), and a table holds ``MAX_ROWS``."""
Projects = Annotated[int, typer.Option(help="Number of candidate projects.", min=0,
                                       max=MAX_ROWS // 2)]
"""Each project has one or two effect rows."""
Seed = Annotated[int, typer.Option(help="Random seed (same seed, same instance).", min=0,
                                   max=2**32 - 1)]


def on_cores(requested: int | None, what: str = "threads") -> int | None:
    """``requested`` threads or processes, clamped to the machine's cores with a warning."""
    if requested is None or requested <= machine_cores():
        return requested
    errors.print(f"[yellow]warning[/]: {requested} {what} asked for, this machine has "
                 f"{machine_cores()} cores; using {machine_cores()}")
    return machine_cores()


def solver_threads(option: int | None, instance: Instance) -> int | None:
    """``--threads``, else the instance's ``solver.threads``, clamped to the machine's cores."""
    return on_cores(option if option is not None else instance.settings.solver.threads)
