"""What ``sweep`` and ``whatif`` share to run many solves: the options, the runner, the display.

``--scheduler ADDRESS`` runs the solves on a Dask cluster, ``--jobs N`` on a local one of N
worker processes, neither in this process (``optimizer.distributed.runner``). The progress is a
rich bar on a terminal (done, running, failed, elapsed, estimated time left) and a plain line
per finished solve otherwise (a log, a pipe); a lost worker or a re-run task gets a line of its
own. After the batch, ``report`` names every solve without a result and why.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bar

from optimizer.cli import crash
from optimizer.cli import options as opt
from optimizer.cli.common import Exit
from optimizer.cli.text import literal
from optimizer.distributed import DistributedError, Outcome, Progress, Runner, open_runner
from optimizer.distributed.runner import InProcess

errors = Console(stderr=True)
out = Console()

MAX_ADDRESS = 300


def scheduler_address(value: str | None) -> str | None:
    """``--scheduler``'s check: one printable word, not too long (typer's callback)."""
    if value is not None and (not value.strip() or len(value) > MAX_ADDRESS or any(
            c.isspace() or not c.isprintable() for c in value)):
        raise typer.BadParameter(f"{literal(value, 60)!r} is not a scheduler address, e.g. "
                                 "tcp://10.0.0.5:8786")
    return value


Scheduler = Annotated[str | None, typer.Option(
    help="Dask scheduler to run the solves on, e.g. tcp://10.0.0.5:8786 (docs/scale-out.md); "
    "default: this machine.", callback=scheduler_address)]
Jobs = Annotated[int, typer.Option(
    help="Solves at once on this machine: a local Dask cluster of N processes (at most the "
    "cores); 1 solves here, one after another.", min=1)]
Retries = Annotated[int, typer.Option(
    help="Times a solve that fails, or whose worker is lost, is run again.", min=0, max=10)]


@contextlib.contextmanager
def runner(scheduler: str | None, jobs: int, retries: int) -> Iterator[Runner]:
    """``open_runner``; exit 2 with one line if there is no cluster to run on."""
    if scheduler is None:
        jobs = opt.on_cores(jobs, "processes") or 1
    elif jobs > 1:
        errors.print("[yellow]warning[/]: --jobs is for a local cluster; with --scheduler the "
                     "cluster's workers solve")
    if not crash.debugging() and (scheduler is not None or jobs > 1):
        # srsopt reports lost workers and failed tasks itself; Dask's log (tracebacks of closed
        # connections at shutdown included) stays out of the terminal for the rest of the
        # process (its loop thread may log after the cluster has closed). Dask sets its
        # loggers' levels when it is imported: after that.
        with contextlib.suppress(ImportError):
            import distributed  # noqa: F401

            logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        with open_runner(scheduler, jobs, retries=retries) as opened:
            if not isinstance(opened, InProcess):
                out.print(f"solving on a {literal(opened.description)}", markup=False,
                          highlight=False)
            yield opened
    except DistributedError as exc:
        errors.print(f"srsopt: {literal(exc, 400)}", markup=False, highlight=False,
                     style="bold red")
        raise typer.Exit(Exit.INVALID_INPUT) from None


def _seconds(value: float) -> str:
    value = max(value, 0.0)
    if value < 90:
        return f"{value:.0f} s"
    if value < 5400:
        return f"{value / 60:.0f} min"
    return f"{value / 3600:.1f} h"


def _left(p: Progress) -> str:
    if p.finished == p.total:
        return ""
    return "time left unknown" if p.left is None else f"about {_seconds(p.left)} left"


class Display:
    """A batch's progress: a rich bar on a terminal, otherwise a line when a count changes."""

    def __init__(self, title: str, console: Console) -> None:
        self.title = title
        self.console = console
        self._bar: Bar | None = None
        self._task: TaskID | None = None
        self._last: tuple[int, int, int] | None = None
        self._notes = 0
        """Notes of the batch printed so far."""

    def __enter__(self) -> Display:
        if self.console.is_terminal:
            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[state]}"), TimeElapsedColumn(),
                            TextColumn("{task.fields[left]}"), console=self.console)
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=None, state="", left="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, p: Progress) -> None:
        """Show ``p``: the bar, or a line when a solve has ended."""
        for note in p.notes[self._notes:]:
            self.console.print(f"{self.title}: {literal(note, 300)}", markup=False,
                               highlight=False, style="yellow" if self._bar else None)
        self._notes = len(p.notes)
        state = (f"{p.running} running, {p.failed} failed" if p.workers or p.finished
                 else "waiting for workers")
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=p.total, completed=p.finished, state=state,
                             left=_left(p))
            return
        if (p.done, p.failed, p.running) != self._last:
            self._last = (p.done, p.failed, p.running)
            self.console.print(f"{self.title}: {p.done}/{p.total} done, {state}, "
                               f"{_seconds(p.elapsed)} elapsed"
                               + (f", {_left(p)}" if _left(p) else ""),
                               markup=False, highlight=False)


def report(outcomes: Sequence[Outcome], what: str) -> int:
    """Print the solves run again and those without a result; how many have none."""
    again = [o for o in outcomes if o.ok and o.attempts > 1]
    for o in again:
        errors.print(f"{literal(o.key)}: run {o.attempts} times (its worker was lost); its "
                     "result is in", markup=False, highlight=False, style="yellow")
    missing = [o for o in outcomes if not o.ok]
    if missing:
        errors.print(f"{len(missing)} of {len(outcomes)} {what} have no result; the others "
                     "are written:", markup=False, highlight=False, style="bold yellow")
        for o in missing:
            errors.print(f"  - {literal(o.key)}: {literal(o.error, 300)}", markup=False,
                         highlight=False)
    raised = [o for o in missing if o.trace]
    if raised:
        failure = RuntimeError(f"{len(raised)} of {len(outcomes)} {what} failed")
        for o in raised:
            failure.add_note(f"--- {o.key}, in its worker:\n{o.trace}")
        path = crash.write_log(failure)
        if path is not None:
            errors.print(f"  their tracebacks are in {literal(path)}", markup=False,
                         highlight=False)
    return len(missing)
