"""The dispatcher: claims queued jobs, runs each as a one-task batch on Dask, records the end.

One thread per ``srsopt serve`` claims jobs while it has free worker slots (so a job stays
``queued`` in the database, where any server may take it, until a worker is free), every
``POLL_SECONDS`` and at once when this server queues a job or a slot frees (``wake``); a thread
per running job submits it (``optimizer.distributed``: a ``LocalCluster`` of ``--workers``
isolated processes, or the cluster of ``--scheduler``), copies its progress into the database
every second (which is also this server's heartbeat), passes a cancel on to the solve (a Dask
``Event``, ``optimizer.service.work``), then writes the files whole and ends the row.

Every few seconds it also recovers jobs left ``running`` by a server that died
(``store.recover``). On shutdown the jobs it runs become ``interrupted`` at once: the next
server start (or another server) runs them again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine, update

from optimizer.distributed import Progress, Runner, Task, gather
from optimizer.service import store
from optimizer.service.db import jobs
from optimizer.service.inputs import Inputs
from optimizer.service.jobs import files_of
from optimizer.service.results import Rendered, Results
from optimizer.service.work import cancel_name, progress_name, run_job

log = logging.getLogger("srsopt.service")

POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 1.0
RECOVER_SECONDS = 5.0


class Dispatcher:
    """Claims and runs jobs on ``runner`` (at most ``slots`` at a time) for this server."""

    def __init__(self, engine: Engine, inputs: Inputs, results: Results, runner: Runner,
                 slots: int, lang: str = "ru") -> None:
        self.engine, self.inputs, self.results, self.runner = engine, inputs, results, runner
        self.slots, self.lang = max(slots, 1), lang
        self.server = store.server_id()
        self.running: set[str] = set()
        """The jobs running here (each one's thread takes it out as it ends)."""
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dispatcher", daemon=True)
        self._client: Any = getattr(runner, "client", None)

    def start(self) -> None:
        """Recover what a dead server left, then claim and run jobs until ``stop``."""
        for job_id, status in store.recover(self.engine, self.server):
            log.warning("job %s was left running by a stopped server: now %s", job_id, status)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming; the jobs still running here become ``interrupted`` (run again later)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(5)
        with self.engine.begin() as db:
            db.execute(update(jobs).where(jobs.c.server == self.server,
                                          jobs.c.status == "running")
                       .values(status="interrupted",
                               error="its server was shut down while it ran; submitted again"))

    def wake(self) -> None:
        """Look for a job now, not at the next poll (a job was queued, or a slot freed)."""
        self._wake.set()

    @property
    def busy(self) -> int:
        """Jobs running here now."""
        return len(self.running)

    def _loop(self) -> None:
        recovered = time.monotonic()
        while not self._stop.is_set():
            try:
                if time.monotonic() - recovered > RECOVER_SECONDS:
                    recovered = time.monotonic()
                    store.recover(self.engine, self.server)
                while len(self.running) < self.slots and not self._stop.is_set():
                    row = store.claim(self.engine, self.server)
                    if row is None:
                        break
                    self.running.add(row.id)
                    threading.Thread(target=self._run, args=(row,), daemon=True,
                                     name=f"job-{row.id[:8]}").start()
            except Exception:  # the database away for a moment: try again
                log.exception("dispatcher")
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _run(self, row: Any) -> None:
        """Run one claimed job to its end in the database; then its slot is free at once."""
        try:
            self._run_job(row)
        finally:
            self.running.discard(row.id)
            self.wake()

    def _run_job(self, row: Any) -> None:
        log.info("job %s started (attempt %d, %s, input %s)", row.id, row.attempts, row.kind,
                 row.input_sha256[:12])
        try:
            work = {"kind": row.kind, "options": row.options, "lang": self.lang,
                    "files": files_of(row.options, self.inputs)}
        except Exception as exc:  # a lost input
            store.finish(self.engine, row.id, self.server, "failed",
                         error=f"its input cannot be used: {exc}")
            return
        watch = _Watch(self, row.id)
        try:
            with contextlib.suppress(Exception):  # never read before it is set
                watch._dask("variable").set([])
            batch = self.runner.submit(work, [Task(row.id, run_job, (row.id,))])
            outcome = gather(batch, on_progress=watch.on_progress)[0]
        except Exception as exc:
            log.exception("job %s", row.id)
            outcome = None
            error = f"{type(exc).__name__}: {exc}"
        if self._stop.is_set():
            return  # shutting down: ``stop`` marks it interrupted
        events = watch.tick(force=True)
        reruns = max(outcome.attempts - 1, 0) if outcome is not None else 0
        if outcome is None or not outcome.ok:
            reason = error if outcome is None else str(outcome.error)
            status = "cancelled" if watch.cancelled else "failed"
            store.finish(self.engine, row.id, self.server, status, error=reason,
                         progress=events, reruns=reruns)
            log.info("job %s %s: %s", row.id, status, reason)
        else:
            self._write(row, outcome.value, watch, events, reruns)
        watch.close()

    def _write(self, row: Any, rendered: Rendered, watch: _Watch,
               events: list[dict[str, Any]] | None, reruns: int) -> None:
        status = "cancelled" if watch.cancelled else "done"
        try:
            self.results.write(row.id, rendered)
        except Exception as exc:
            log.exception("job %s: writing its files", row.id)
            store.finish(self.engine, row.id, self.server, "failed", progress=events,
                         reruns=reruns,
                         error=f"its files could not be written: {type(exc).__name__}: {exc}")
            return
        store.finish(self.engine, row.id, self.server, status, summary=rendered.summary,
                     progress=events, reruns=reruns)
        log.info("job %s %s%s", row.id, status,
                 f" (run {reruns + 1} times: Dask ran it again)" if reruns else "")


class _Watch:
    """One running job's link to Dask: its progress copied, its heartbeat, its cancel."""

    def __init__(self, dispatcher: Dispatcher, job_id: str) -> None:
        self.d, self.job_id = dispatcher, job_id
        self.cancelled = False
        self.notes = 0
        self.last = 0.0
        self.events: list[dict[str, Any]] | None = None

    def _dask(self, kind: str) -> Any:
        from distributed import Event, Variable

        make = Event if kind == "event" else Variable
        name = cancel_name(self.job_id) if kind == "event" else progress_name(self.job_id)
        return make(name, client=self.d._client)

    def on_progress(self, batch: Progress) -> None:
        """The batch's progress callback: its news (a worker lost) to the log, and a tick."""
        for note in batch.notes[self.notes:]:
            log.warning("job %s: %s", self.job_id, note)
        self.notes = len(batch.notes)
        self.tick()

    def tick(self, force: bool = False) -> list[dict[str, Any]] | None:
        """At most every second: progress and heartbeat to the database, a cancel to Dask."""
        if not force and time.monotonic() - self.last < HEARTBEAT_SECONDS:
            return self.events
        self.last = time.monotonic()
        with contextlib.suppress(Exception):  # no progress yet
            self.events = list(self._dask("variable").get(timeout=0.2))
        try:
            wanted = store.touch(self.d.engine, self.job_id, self.d.server, self.events)
        except Exception:
            log.exception("job %s: heartbeat", self.job_id)
            return self.events
        if wanted and not self.cancelled:
            self.cancelled = True
            log.info("job %s: cancel asked; the solve stops with its best plan", self.job_id)
            with contextlib.suppress(Exception):
                self._dask("event").set()
        return self.events

    def close(self) -> None:
        """Let go of the job's Event and Variable on the scheduler."""
        with contextlib.suppress(Exception):
            self._dask("variable").delete()
        with contextlib.suppress(Exception):
            self._dask("event").clear()
