"""A batch as Dask tasks: the shared instance scattered once, one task per solve.

A batch of one task (a service job) sends the shared value inside the task instead: scattered,
its only copy would sit on the worker running the task and die with it, and the scheduler could
not run the task again.

Each task is ``optimizer.distributed.tasks.run_task(name, instance, args)`` submitted with
``retries``: a task that raises is run again up to ``retries`` times; a task whose worker dies
is re-scheduled by the scheduler (up to its ``distributed.scheduler.allowed-failures``, which
``optimizer.distributed.runner`` sets to ``retries`` on a local cluster) and then fails with
``KilledWorker``. Outcomes come as the tasks finish (``distributed.as_completed``).

A stop request (``optimizer.runtime.stopping``) cancels the tasks not started, asks the running
ones to stop with what they have (``tasks.stop_tasks``: the solve ends ``interrupted`` with its
best plan, which is its result) and waits ``GRACE_SECONDS`` for them; the rest are cancelled.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from distributed import Client, Future, as_completed
from distributed.client import FutureCancelledError

from optimizer.distributed.batch import NOT_STARTED, Outcome, Progress, Task, estimate_left
from optimizer.distributed.tasks import Returned, run_task, stop_tasks
from optimizer.runtime import stopping

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
"""How often the batch looks for finished tasks and at the stop request."""
PROGRESS_SECONDS = 0.5
"""How often the scheduler is asked which tasks run where."""
GRACE_SECONDS = 3.0
"""After a stop, how long the running tasks may take to return their interrupted plans."""


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=+]+", "_", key)[:60]


class DaskBatch:
    """Tasks submitted to a Dask cluster through ``client``; see the module's docstring."""

    def __init__(self, client: Client, shared: Any, tasks: Sequence[Task], *,
                 retries: int = 2) -> None:
        self.tasks: Sequence[Task] = list(tasks)
        if len({t.key for t in self.tasks}) != len(self.tasks):
            raise ValueError("the tasks of a batch need distinct keys")
        self.retries = retries
        self._client = client
        self._started = time.monotonic()
        token = uuid.uuid4().hex[:8]
        self._shared = shared if len(self.tasks) == 1 else client.scatter(
            shared, broadcast=False, hash=True)
        self._futures: dict[str, Future[Any]] = {}
        for k, task in enumerate(self.tasks):
            key = f"srsopt-{k}-{_slug(task.key)}-{token}"
            self._futures[task.key] = client.submit(run_task, task.name, self._shared, task.args,
                                                    key=key, pure=False, retries=retries)
        self._outcomes: dict[str, Outcome] = {}
        self._unseen: list[Outcome] = []
        """Outcomes ``results`` has not yielded yet (``cancel`` may add some from elsewhere)."""
        self._lock = threading.Lock()
        self._where: dict[str, str] = {}
        """Our running tasks: task key -> worker address, as last seen."""
        self._lost: dict[str, int] = {}
        """Task key -> how often the worker running it was lost."""
        self._workers = 0
        self._seen: set[str] = set()
        """The workers connected at the last poll."""
        self._polled = 0.0
        self._notes: list[str] = []

    # -- progress -------------------------------------------------------------------------

    def _poll(self, force: bool = False) -> None:
        """Ask the scheduler where our tasks run (at most every ``PROGRESS_SECONDS``)."""
        now = time.monotonic()
        if not force and now - self._polled < PROGRESS_SECONDS:
            return
        self._polled = now
        try:
            processing = self._client.processing()
            threads = self._client.nthreads()
        except Exception as exc:  # the scheduler is gone: the futures will say so
            log.debug("scheduler not answering: %s", exc)
            return
        ours = {str(f.key): t for t, f in self._futures.items() if t not in self._outcomes}
        where: dict[str, str] = {}
        for worker, keys in processing.items():
            slots = max(int(threads.get(worker, 1)), 1)
            mine = [ours[str(k)] for k in keys if str(k) in ours][:slots]
            where |= dict.fromkeys(mine, worker)
        gone = self._seen - set(threads)
        for worker in sorted(gone):
            solving = [t for t, w in self._where.items() if w == worker
                       and t not in self._outcomes]
            for task in solving:
                self._lost[task] = self._lost.get(task, 0) + 1
            self._notes.append(f"worker {worker} left the cluster" + (
                f" while solving {', '.join(solving)}; Dask runs it again elsewhere"
                if solving else ""))
            log.warning(self._notes[-1])
        self._seen = set(threads)
        self._where = where
        self._workers = sum(max(int(n), 1) for n in threads.values())

    def progress(self) -> Progress:
        """Counts so far; running tasks as the scheduler last said."""
        done = [o for o in self._outcomes.values() if o.ok]
        failed = len(self._outcomes) - len(done)
        running = len(self._where)
        waiting = len(self.tasks) - len(self._outcomes) - running
        return Progress(total=len(self.tasks), done=len(done), failed=failed, running=running,
                        workers=self._workers, elapsed=time.monotonic() - self._started,
                        left=estimate_left([o.seconds for o in done], waiting, running,
                                           self._workers), notes=tuple(self._notes))

    # -- outcomes -------------------------------------------------------------------------

    def _outcome(self, task: str, future: Future[Any]) -> Outcome:
        attempts = 1 + self._lost.get(task, 0)
        status = future.status
        if status == "finished":
            try:
                returned: Returned = future.result()
            except Exception as exc:  # lost between finishing and fetching
                return Outcome(task, error=f"its result was lost ({type(exc).__name__}: "
                               f"{exc})", attempts=attempts)
            return Outcome(task, value=returned.value, seconds=returned.seconds,
                           worker=returned.worker, attempts=attempts)
        if status == "error":
            raised = future.exception()
            name = type(raised).__name__
            if name == "KilledWorker":
                return Outcome(task, error=f"its worker was lost every time it ran ({name}: "
                               f"{raised})", attempts=attempts)
            trace = "".join(traceback.format_exception(type(raised), raised,
                                                       future.traceback()))
            log.debug("task %s failed:\n%s", task, trace)
            return Outcome(task, error=f"failed after {1 + self.retries} attempts: {name}: "
                           f"{raised}", attempts=attempts + self.retries, trace=trace)
        try:
            future.result(timeout=0)
        except FutureCancelledError as exc:
            return Outcome(task, error=f"cancelled ({exc})", attempts=attempts)
        except Exception as exc:
            return Outcome(task, error=f"{status}: {type(exc).__name__}: {exc}",
                           attempts=attempts)
        return Outcome(task, error=status, attempts=attempts)

    def _end(self, task: str, outcome: Outcome) -> None:
        with self._lock:
            if task in self._outcomes:
                return
            self._outcomes[task] = outcome
            self._unseen.append(outcome)
        self._where.pop(task, None)

    def _take(self) -> list[Outcome]:
        with self._lock:
            taken, self._unseen = self._unseen, []
        return taken

    def _collect(self, ready: Any, by_future: dict[str, str]) -> bool:
        """Record the tasks that finished; whether any did."""
        finished = ready.next_batch(block=False) if ready.has_ready() else []
        for future in finished:
            task = by_future[str(future.key)]
            if task not in self._outcomes:
                self._end(task, self._outcome(task, future))
        return bool(finished)

    def results(self, on_progress: Callable[[Progress], None] | None = None
                ) -> Iterator[Outcome]:
        """Every task's outcome as it finishes; on a stop request see the module's docstring."""
        by_future = {str(f.key): t for t, f in self._futures.items()}
        ready = as_completed(list(self._futures.values()), loop=self._client.loop)
        try:
            while True:
                if stopping.requested():
                    self._stop(ready, by_future, on_progress)
                finished = self._collect(ready, by_future)
                yield from self._take()
                if len(self._outcomes) == len(self.tasks):
                    break
                self._poll(force=finished)
                if on_progress is not None:
                    on_progress(self.progress())
                if not finished:
                    with ready.thread_condition:
                        ready.thread_condition.wait(timeout=POLL_SECONDS)
            if on_progress is not None:
                on_progress(self.progress())
        finally:
            self.release()

    def _stop(self, ready: Any, by_future: dict[str, str],
              on_progress: Callable[[Progress], None] | None) -> None:
        """Cancel what has not started, stop what runs, wait for it a little, cancel the rest."""
        self._poll(force=True)
        unended = [t for t in self._futures if t not in self._outcomes]
        waiting = [t for t in unended if t not in self._where]
        self._client.cancel([self._futures[t] for t in waiting], reason="srsopt stopped")
        for task in waiting:
            self._end(task, Outcome(task, error=NOT_STARTED, attempts=0))
        running = [t for t in unended if t in self._where]
        self._notes.append(f"stopping: {len(running)} running task(s) asked to stop")
        if on_progress is not None:
            on_progress(self.progress())
        try:  # the cancelled ones too: one may have started since the scheduler was asked
            self._client.run(stop_tasks, [self._futures[t].key for t in unended])
        except Exception as exc:  # a worker gone meanwhile: its task is lost anyway
            log.debug("stop_tasks: %s", exc)
        end = time.monotonic() + GRACE_SECONDS
        while any(t not in self._outcomes for t in running) and time.monotonic() < end:
            if not self._collect(ready, by_future):
                time.sleep(POLL_SECONDS)
        for task in running:
            if task not in self._outcomes:
                self._futures[task].cancel(reason="srsopt stopped")
                self._end(task, Outcome(task, error="stopped: it did not answer within "
                                        f"{GRACE_SECONDS:g} s", attempts=1))

    def cancel(self) -> None:
        """Cancel every task not yet ended; a running one is asked to stop (``stop_tasks``)."""
        unended = [t for t in self._futures if t not in self._outcomes]
        self._client.cancel([self._futures[t] for t in unended], reason="cancelled")
        for task in unended:
            self._end(task, Outcome(task, error="cancelled", attempts=0))
        # a task cancelled while it ran goes on in its worker (Dask cannot stop it): ask it to
        try:
            self._client.run(stop_tasks, [self._futures[t].key for t in unended])
        except Exception as exc:
            log.debug("stop_tasks: %s", exc)

    def release(self) -> None:
        """Let go of the tasks' results and of the scattered instance on the cluster."""
        pending = [f for t, f in self._futures.items() if t not in self._outcomes]
        if pending:
            self._client.cancel(pending, reason="batch released")
        self._futures = {}
        self._shared = None
