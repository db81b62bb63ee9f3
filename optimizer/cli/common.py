"""What the commands share: exit codes, consoles, the loaders, SIGINT/SIGTERM as a stop request.

No command imports the app (``optimizer.cli.app``); they all import this module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from models.errors import InstanceError, Issue
from models.instance import Instance, load_instance
from models.scenario import ScenarioError
from optimizer.analysis.whatif import scenario_case
from optimizer.cli import crash
from optimizer.cli.text import literal
from optimizer.runtime import stopping

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


def print_issues(issues: list[Issue], title: str, style: str, limit: int = 200) -> None:
    """``title``, then each issue on its own line (at most ``limit``), printed literally."""
    errors.print(title, style=style, markup=False, highlight=False)
    for issue in issues[:limit]:
        errors.print(f"  - {issue}", markup=False, highlight=False)
    if len(issues) > limit:
        errors.print(f"  ... and {len(issues) - limit} more")


def load(path: Path) -> Instance:
    """The validated instance at ``path``; every problem printed and exit 2 if invalid."""
    try:
        instance = load_instance(path)
    except InstanceError as exc:
        print_issues(exc.issues, f"{literal(exc.source)}: {len(exc.issues)} error(s)",
                      "bold red")
        if exc.warnings:
            print_issues(exc.warnings, f"{len(exc.warnings)} warning(s)", "yellow")
        raise typer.Exit(Exit.INVALID_INPUT) from None
    if instance.warnings:
        print_issues(list(instance.warnings), f"{len(instance.warnings)} warning(s)", "yellow",
                      limit=10)
    return instance


ScenarioOption = Annotated[str | None, typer.Option(
    help="Scenario files applied first, in order: a.yaml,b.yaml.")]


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
    """Print every problem of the scenario files as written (a name may hold ``[/x]``)."""
    if len(exc.problems) == 1:
        errors.print("[bold red]scenario error[/] ", end="")
        errors.print(literal(exc, 4000), markup=False, highlight=False)
        return
    errors.print(f"[bold red]{len(exc.problems)} scenario errors[/]")
    for problem in exc.problems[:50]:
        errors.print(f"  - {literal(problem, 1000)}", markup=False, highlight=False)


def uncertainty_error(exc: ScenarioError) -> typer.Exit:
    """Print every problem of an uncertainty file, each with its line; the exit (2) to raise."""
    errors.print(f"{len(exc.problems)} error(s) in the uncertainty file", style="bold red")
    for problem in exc.problems[:50]:
        errors.print(f"  - {literal(problem, 1000)}", markup=False, highlight=False)
    return typer.Exit(Exit.INVALID_INPUT)
