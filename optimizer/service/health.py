"""What ``/v1/health`` answers, kept fresh by a thread so that the endpoint never waits.

The endpoint runs on the event loop and answers from memory: asked through the thread pool,
with three database calls, it queued behind uploads being checked and waited for the GIL
at every step, and took up to a second under load (docs/service.md, Figures). A thread asks
the database every ``EVERY_SECONDS`` instead (one ``SELECT status, count(*) ... GROUP BY
status``); ``database`` is whether the last ask succeeded, and figures older than
``STALE_SECONDS`` (the database hanging) count as the database not answering.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from optimizer.service import store
from optimizer.service.db import jobs

log = logging.getLogger("srsopt.service")

EVERY_SECONDS = 0.5
STALE_SECONDS = 5.0


@dataclass(frozen=True)
class Reading:
    """The database's answer at ``at`` (``time.monotonic``)."""

    database: bool
    queue: int
    running: int
    at: float

    @property
    def age(self) -> float:
        """Seconds since the database was asked."""
        return time.monotonic() - self.at

    @property
    def fresh(self) -> bool:
        """The database answered, recently enough to be trusted."""
        return self.database and self.age < STALE_SECONDS


class Monitor:
    """Asks the database for the queue and running counts, every ``EVERY_SECONDS``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reading = Reading(database=False, queue=0, running=0, at=time.monotonic())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="health", daemon=True)

    def read(self) -> Reading:
        """Ask the database now (the thread does this; the endpoint never)."""
        try:
            query = (select(jobs.c.status, func.count())
                     .where(jobs.c.status.in_(("running", *store.WAITING)))
                     .group_by(jobs.c.status))
            with self.engine.connect() as db:
                counts: dict[str, int] = dict(db.execute(query).tuples().all())
        except Exception as exc:
            log.warning("health: the database does not answer: %s", exc)
            return Reading(False, 0, 0, time.monotonic())
        return Reading(True, sum(counts.get(s, 0) for s in store.WAITING),
                       counts.get("running", 0), time.monotonic())

    def start(self) -> None:
        """A first reading, then one every ``EVERY_SECONDS`` until ``stop``."""
        self.reading = self.read()
        self._thread.start()

    def stop(self) -> None:
        """No more readings (the endpoint keeps the last)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(EVERY_SECONDS):
            self.reading = self.read()
