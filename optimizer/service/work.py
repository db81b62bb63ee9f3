"""What a Dask worker runs for a job: one solve, what-if or evaluation, stoppable from afar.

``run_job(spec, job_id)`` is a task of ``optimizer.distributed`` (the spec is the batch's shared
value: the job's kind, options, language and its input files as bytes; the instance is built
from them here, ``optimizer.service.jobs.payload``, not in the web process). While it runs,
two threads talk to the scheduler under the job's id:

- the cancel: a Dask ``Event`` (``cancel_name``) set by the server is turned into this
  process's stop request (``optimizer.runtime.stopping``), which the HiGHS interrupt callback
  polls (``optimizer.highs.interrupt``): the solve returns its best plan, ``interrupted``.
  Cancelling a Dask future would not stop a running task (dask/distributed #2617);
- the progress: every event of ``optimizer.highs.progress`` (throttled) goes into a Dask
  ``Variable`` (``progress_name``) that the server copies into the database.

Nothing here imports the web stack: a worker imports only the solver and Dask.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from optimizer.analysis.evaluate import evaluate
from optimizer.analysis.whatif import run_cases, with_scenario
from optimizer.api import solve
from optimizer.highs import progress
from optimizer.runtime import stopping
from optimizer.service.jobs import payload, stored_of, unpacked
from optimizer.service.results import Rendered, render

POLL_SECONDS = 0.5
PROGRESS_EVERY = 1.0
"""Seconds between two kept progress events of one stage (its start and end always kept)."""
MAX_EVENTS = 500


def cancel_name(job_id: str) -> str:
    """The Dask Event that cancels the job."""
    return f"srsopt-cancel-{job_id}"


def progress_name(job_id: str) -> str:
    """The Dask Variable holding the job's progress."""
    return f"srsopt-progress-{job_id}"


class Feed:
    """The job's progress events, throttled, as the API shows them."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.changed = threading.Event()

    def __call__(self, event: progress.Progress) -> None:
        """A listener of ``optimizer.highs.progress`` (quick: runs inside HiGHS's callback)."""
        row = {"t": round(event.elapsed, 3), "step": event.stage, "objective": event.incumbent,
               "bound": event.bound, "gap": event.gap}
        with self.lock:
            last = self.events[-1] if self.events else None
            if (last is not None and last["step"] == row["step"] and not event.done
                    and row["t"] - last["t"] < PROGRESS_EVERY):
                return
            if len(self.events) >= MAX_EVENTS:
                del self.events[1]
            self.events.append(row)
        self.changed.set()


@contextlib.contextmanager
def _talking(job_id: str, feed: Feed) -> Iterator[None]:
    """The cancel watch and the progress publisher, for as long as the job runs."""
    from distributed import Event, Variable, get_client

    client = get_client()
    cancel, shown = Event(cancel_name(job_id), client=client), Variable(
        progress_name(job_id), client=client)
    ended = threading.Event()

    def watch() -> None:
        while not ended.is_set():
            with contextlib.suppress(Exception):  # the scheduler busy or gone: ask again
                if cancel.wait(timeout=POLL_SECONDS) and not ended.is_set():
                    stopping.request()
                    return

    def publish() -> None:
        while not ended.is_set():
            if feed.changed.wait(POLL_SECONDS) and not ended.is_set():
                feed.changed.clear()
                with feed.lock:
                    events = list(feed.events)
                with contextlib.suppress(Exception):
                    shown.set(events)

    watcher, publisher = (threading.Thread(target=t, daemon=True, name=f"job-{t.__name__}")
                          for t in (watch, publish))
    watcher.start()
    publisher.start()
    try:
        yield
    finally:
        # Not waiting for the watcher: it sits in a Dask wait of up to POLL_SECONDS (every
        # job took that much longer) and asks for no stop once ``ended`` is set. The
        # publisher is woken, so that the last progress below is set after its own.
        ended.set()
        feed.changed.set()
        publisher.join(2 * POLL_SECONDS)
        with feed.lock:
            events = list(feed.events)
        with contextlib.suppress(Exception):
            shown.set(events)


def _run(payload: dict[str, Any]) -> Any:
    """A ``Result`` (solve), the cases' results (whatif) or an ``Evaluation``."""
    options, kind = payload["options"], payload["kind"]
    if kind == "whatif":
        return run_cases(payload["cases"], **options)
    if kind == "evaluate":
        return evaluate(payload["instance"], payload["starts"], source="plan", **options)
    return with_scenario(solve(payload["instance"], **options), payload.get("record"))


def run_job(spec: dict[str, Any], job_id: str) -> Rendered:
    """Build the job's inputs, run it and render its files here (the server puts them in place).

    ``spec``: ``kind``, ``options`` (the job row's), ``files`` (``jobs.files_of``), ``lang``.
    """
    with unpacked(spec["files"]) as inputs:
        work = payload(spec["kind"], stored_of(spec["options"]), spec["options"], inputs)
    feed = Feed()
    with _talking(job_id, feed), progress.listening(feed):
        value = _run(work)
    return render(spec["kind"], value, work, spec.get("lang", "ru"))
