"""A batch of solves: its tasks, their outcomes, its progress; and the batch run in this process.

Every task of a batch ends in exactly one ``Outcome``: its value, or why there is none (failed
after its retries, its worker lost too often, cancelled, not started because of a stop). So a
caller writes every result it got and names the rest; nothing is dropped silently.

``Batch`` is what ``optimizer.distributed.runner.Runner.submit`` returns, run here one task
after another (``InProcessBatch``, ``--jobs 1``) or as Dask tasks
(``optimizer.distributed.dask_batch.DaskBatch``).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from optimizer.distributed.tasks import run_task, task_name
from optimizer.runtime import stopping

log = logging.getLogger(__name__)

NOT_STARTED = "not started: a stop was requested"


@dataclass(frozen=True)
class Task:
    """One solve: ``function(shared, *args)``, shown and reported as ``key``.

    ``function`` is a module-level function of srsopt (``optimizer.distributed.tasks``);
    ``args`` is the small spec of this solve; ``shared`` (the instance) is the batch's.
    """

    key: str
    function: Callable[..., Any]
    args: tuple[Any, ...] = ()
    name: str = field(init=False, repr=False, compare=False)
    """``module:function``: what travels to the worker."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", task_name(self.function))


@dataclass(frozen=True)
class Outcome:
    """How one task ended: its value, or ``error`` (why it has none)."""

    key: str
    value: Any = None
    error: str | None = None
    seconds: float = 0.0
    """The task's own time in its worker (0 when it did not run to its end)."""
    worker: str = ""
    attempts: int = 1
    """How often it was started (more after a retry or a lost worker); 0: never."""
    trace: str = ""
    """The traceback of the task's exception, where it raised (in its worker), if it did."""

    @property
    def ok(self) -> bool:
        """Whether the task returned a value."""
        return self.error is None


@dataclass(frozen=True)
class Progress:
    """A batch at one moment."""

    total: int
    done: int
    """Tasks with a value."""
    failed: int
    """Tasks ended without one (failed, lost, cancelled, not started)."""
    running: int
    workers: int
    """Workers connected (threads, when a worker has several)."""
    elapsed: float
    left: float | None
    """Estimated seconds to the end; None until a task has finished."""
    notes: tuple[str, ...] = ()
    """Events worth a line each, oldest first: a worker lost, a stop."""

    @property
    def finished(self) -> int:
        """Tasks ended either way."""
        return self.done + self.failed


def estimate_left(seconds: Sequence[float], waiting: int, running: int, slots: int
                  ) -> float | None:
    """Seconds left: the waiting and running tasks at the mean task time, over ``slots``.

    A running task counts as half done (its start is not known here). None before a task
    has finished.
    """
    if not seconds:
        return None
    mean = sum(seconds) / len(seconds)
    return mean * (waiting + 0.5 * running) / max(slots, 1)


class Batch(Protocol):
    """Submitted tasks: their outcomes as they finish, a progress snapshot, a cancel."""

    tasks: Sequence[Task]

    def results(self, on_progress: Callable[[Progress], None] | None = None
                ) -> Iterator[Outcome]:
        """Every task's outcome once, in the order they end; a stop request ends the batch."""
        ...

    def progress(self) -> Progress:
        """Where the batch is now."""
        ...

    def cancel(self) -> None:
        """Cancel every task not yet ended; their outcomes say so."""
        ...


def gather(batch: Batch, on_progress: Callable[[Progress], None] | None = None
           ) -> list[Outcome]:
    """Every outcome, in the order of the batch's tasks."""
    got = {o.key: o for o in batch.results(on_progress)}
    return [got[task.key] for task in batch.tasks]


class InProcessBatch:
    """The tasks run here, one after another (``--jobs 1``): no cluster, nothing to start.

    A stop request (``optimizer.runtime.stopping``) reaches the running solve at once (it
    returns its best plan, ``interrupted``); the tasks after it are not started. An exception
    is the task's outcome, with its traceback; there are no retries (the same solve in
    the same process fails the same way).
    """

    def __init__(self, shared: Any, tasks: Sequence[Task]) -> None:
        self.tasks: Sequence[Task] = list(tasks)
        self._shared = shared
        self._started = time.monotonic()
        self._outcomes: list[Outcome] = []
        self._cancelled = False

    def results(self, on_progress: Callable[[Progress], None] | None = None
                ) -> Iterator[Outcome]:
        """Run each task in turn and yield its outcome."""
        for task in self.tasks:
            if stopping.requested() or self._cancelled:
                outcome = Outcome(task.key, error=NOT_STARTED if not self._cancelled
                                  else "cancelled", attempts=0)
            else:
                if on_progress is not None:
                    on_progress(self.progress())
                outcome = self._run(task)
            self._outcomes.append(outcome)
            if on_progress is not None:
                on_progress(self.progress())
            yield outcome

    def _run(self, task: Task) -> Outcome:
        try:
            returned = run_task(task.name, self._shared, task.args)
        except Exception as exc:  # the task's outcome, like a failed Dask task
            log.debug("task %s failed", task.key, exc_info=True)
            return Outcome(task.key, error=f"{type(exc).__name__}: {exc}",
                           trace=traceback.format_exc())
        return Outcome(task.key, value=returned.value, seconds=returned.seconds,
                       worker="here")

    def progress(self) -> Progress:
        """Counts so far; one task runs at a time."""
        done = [o for o in self._outcomes if o.ok]
        failed = len(self._outcomes) - len(done)
        left = len(self.tasks) - len(self._outcomes)
        running = int(left > 0 and not (self._cancelled or stopping.requested()))
        return Progress(total=len(self.tasks), done=len(done), failed=failed,
                        running=running, workers=1, elapsed=time.monotonic() - self._started,
                        left=estimate_left([o.seconds for o in done], left - running, running,
                                           1))

    def cancel(self) -> None:
        """The tasks not yet started are not started."""
        self._cancelled = True


