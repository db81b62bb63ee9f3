"""The progress line of a solve: stage, elapsed time, incumbent, bound and gap.

Fed by ``optimizer.highs.progress`` (HiGHS's callbacks, plain events). On a terminal it is one
line on stderr, redrawn in place (``rich.live``) and gone when the solve ends; when stderr is
not a terminal (a log file, a pipe, CI), it is a plain line each time a stage ends and at most
one every ``PLAIN_SECONDS`` between; with ``--quiet``, nothing. The what-if commands show the
same text in their progress bar on a terminal (``alongside``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.progress import Progress as ProgressBar
from rich.progress import TaskID
from rich.text import Text

from optimizer.highs.progress import Progress, listening

PLAIN_SECONDS = 10.0
"""Least time between two plain progress lines of one stage (a stage's end always prints)."""

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress line while solving.")]

errors = Console(stderr=True)


def describe(event: Progress | None) -> str:
    """``MIP: plan 1,234.50, bound 1,200.00, gap 2.80%`` (what is known of the stage)."""
    if event is None:
        return "building the model"
    parts = []
    if event.incumbent is not None:
        parts.append(f"plan {event.incumbent:,.2f}")
    if event.bound is not None:
        parts.append(f"bound {event.bound:,.2f}")
    if event.gap is not None and event.incumbent is not None:
        parts.append(f"gap {100 * event.gap:.2f}%")
    figures = ", ".join(parts) or ("done" if event.done else "running")
    return f"{event.stage}: {figures}"


class ProgressLine:
    """The latest event of a solve, shown as a line; a ``highs.progress`` listener."""

    def __init__(self, label: str, console: Console, sink: Callable[[str], None] | None = None
                 ) -> None:
        self.label, self.console, self.sink = label, console, sink
        self.started = time.perf_counter()
        self.latest: Progress | None = None
        self.printed = -PLAIN_SECONDS
        self.plain = sink is None and not console.is_terminal
        self.lock = threading.Lock()

    def __call__(self, event: Progress) -> None:
        """Take an event (from HiGHS's thread): keep it, and print or pass it on as asked."""
        with self.lock:
            self.latest = event
            if self.sink is not None:
                self.sink(describe(event))
            elif self.plain and (event.done or event.elapsed - self.printed >= PLAIN_SECONDS):
                self.printed = event.elapsed
                self.console.print(f"{self.label}: {event.elapsed:.1f} s, {describe(event)}",
                                   markup=False, highlight=False)

    def __rich__(self) -> Text:
        """The live line: the clock runs between events."""
        elapsed = time.perf_counter() - self.started
        return Text(f"{self.label} {elapsed:6.1f} s  {describe(self.latest)}", style="dim",
                    no_wrap=True, overflow="ellipsis")


@contextlib.contextmanager
def solving(label: str, *, quiet: bool = False, console: Console = errors) -> Iterator[None]:
    """Show the progress of the solves run inside: live on a terminal, plain lines otherwise."""
    if quiet:
        yield
        return
    line = ProgressLine(label, console)
    with listening(line):
        if line.plain:
            yield
        else:
            with Live(line, console=console, refresh_per_second=4, transient=True):
                yield


@contextlib.contextmanager
def alongside(bar: ProgressBar, task: TaskID, label: str, *, quiet: bool = False
              ) -> Iterator[None]:
    """The progress of the solves run inside, for a command with its own progress bar.

    On a terminal, in the bar's ``solver`` field (one live display at a time); otherwise
    plain lines, as ``solving`` prints them.
    """
    if quiet or not bar.console.is_terminal:
        with solving(label, quiet=quiet):
            yield
        return
    line = ProgressLine(label, errors, sink=lambda text: bar.update(task, solver=text))
    with listening(line):
        yield
