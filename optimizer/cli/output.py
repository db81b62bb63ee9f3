"""The commands' side of ``models.safe_output``: every output planned before the solve.

A refused output exits with 2 and says why; the lock is let go when the command ends.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from models.safe_output import OutputError, OutputTarget, plan_output

ForceOption = Annotated[bool, typer.Option(
    "--force", help="Replace an earlier srsopt output even of another kind or changed since; "
    "never a folder or file srsopt did not write.")]

errors = Console(stderr=True)
_planned: list[OutputTarget] = []
"""Outputs planned by the running command, let go by ``release_all`` when it ends."""


def refused(exc: OutputError) -> typer.Exit:
    """Print why an output was refused; the exit (2) for the caller to raise."""
    errors.print(f"output refused: {exc}", style="bold red", markup=False, highlight=False)
    return typer.Exit(2)


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """Turn an ``OutputError`` raised while writing into the same exit 2."""
    try:
        yield
    except OutputError as exc:
        raise refused(exc) from None


def plan(out: str | os.PathLike[str], kind: str, *, force: bool = False,
         inputs: Iterable[str | os.PathLike[str] | None] = (),
         expects: str | None = None) -> OutputTarget:
    """Check and lock an output before anything is solved (exit 2 if refused).

    The lock is let go when the command ends, whether it wrote or not (``release_all``, run
    by the app's callback in ``optimizer.cli.app``).
    """
    with refusals():
        target = plan_output(out, kind, inputs=inputs, force=force, expects=expects)
    _planned.append(target)
    return target


def release_all() -> None:
    """Let go of the locks of every output the command planned (written or not)."""
    while _planned:
        _planned.pop().release()


def scenario_files(spec: str | None) -> list[str]:
    """The files of a ``--scenario a.yaml,b.yaml`` option (inputs an output may not touch)."""
    return [part.strip() for part in (spec or "").split(",") if part.strip()]


def moved_note(planned: Path, written: Path, status: str) -> None:
    """Say where a run without a plan wrote, when an earlier plan was kept in its place."""
    if planned != written:
        errors.print(f"{planned} holds the plan of an earlier run and is kept; this run "
                     f"({status}, no plan) was written to {written}", markup=False,
                     highlight=False, style="yellow")
