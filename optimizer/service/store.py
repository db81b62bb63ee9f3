"""Job rows: created before 202, claimed atomically, kept up to date, recovered after a crash.

Statuses: ``queued`` (waiting in the database), ``running`` (claimed by one ``srsopt serve``,
its task on Dask), ``done``, ``failed`` (``error`` says why), ``cancelled`` (a running one keeps
its best plan), ``interrupted`` (its server died; it waits to run once more).

``claim`` is one ``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) AND status IN
(waiting) RETURNING``: on PostgreSQL two servers never take the same job, on SQLite (one
writer at a time) the status test alone makes it so.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, Row, func, insert, select, update

from optimizer.service.db import jobs, now
from optimizer.service.tokens import Identity

WAITING = ("queued", "interrupted")
ENDED = ("done", "failed", "cancelled")
STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
MAX_ATTEMPTS = 2
"""A job is started at most twice (once more after its server died), then ``failed``."""
STALE_SECONDS = 60.0
"""A running job whose server has not written for this long is taken as lost."""


def server_id() -> str:
    """``host:pid:uuid``: who claimed a job (the host and pid let a restart see it died)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def create(engine: Engine, *, owner: str, kind: str, input_sha256: str,
           options: dict[str, Any], reuse_key: str, status: str = "queued",
           summary: Any = None, result_of: str | None = None) -> str:
    """A new job row (its inputs are stored already); its id."""
    job_id = uuid.uuid4().hex
    stamp = now()
    ended = status in ENDED
    with engine.begin() as db:
        db.execute(insert(jobs).values(
            id=job_id, owner=owner, kind=kind, status=status, created=stamp,
            started=stamp if ended else None, finished=stamp if ended else None,
            input_sha256=input_sha256, options=options, reuse_key=reuse_key, progress=[],
            summary=summary, attempts=0, cancel=False, result_of=result_of))
    return job_id


def get(engine: Engine, job_id: str, who: Identity | None = None) -> Row[Any] | None:
    """The job, if ``who`` may see it (its owner, or an admin; anyone when None)."""
    query = select(jobs).where(jobs.c.id == job_id)
    if who is not None and not who.admin:
        query = query.where(jobs.c.owner == who.id)
    with engine.connect() as db:
        return db.execute(query).first()


def page(engine: Engine, who: Identity, limit: int, offset: int) -> tuple[list[Row[Any]], int]:
    """``who``'s jobs (an admin: all), newest first; and how many there are in all."""
    mine = [] if who.admin else [jobs.c.owner == who.id]
    with engine.connect() as db:
        rows = db.execute(select(jobs).where(*mine).order_by(jobs.c.created.desc(), jobs.c.id)
                          .limit(limit).offset(offset)).all()
        total = db.execute(select(func.count()).select_from(jobs).where(*mine)).scalar_one()
    return list(rows), int(total)


def count(engine: Engine, statuses: Sequence[str], owner: str | None = None) -> int:
    """Jobs in ``statuses`` (of ``owner``, if given)."""
    where = [jobs.c.status.in_(statuses)] + ([jobs.c.owner == owner] if owner else [])
    with engine.connect() as db:
        return int(db.execute(select(func.count()).select_from(jobs).where(*where))
                   .scalar_one())


def claim(engine: Engine, server: str) -> Row[Any] | None:
    """Take the oldest waiting job for ``server`` (``running``, one more attempt), or None."""
    oldest = (select(jobs.c.id).where(jobs.c.status.in_(WAITING))
              .order_by(jobs.c.created, jobs.c.id).limit(1)
              .with_for_update(skip_locked=True).scalar_subquery())
    stamp = now()
    with engine.begin() as db:
        return db.execute(update(jobs).where(jobs.c.id == oldest, jobs.c.status.in_(WAITING))
                          .values(status="running", server=server, started=stamp,
                                  heartbeat=stamp, attempts=jobs.c.attempts + 1)
                          .returning(*jobs.c)).first()


def touch(engine: Engine, job_id: str, server: str, progress: list[dict[str, Any]] | None
          ) -> bool:
    """The server is alive (and the progress so far); whether a cancel was asked."""
    values: dict[str, Any] = {"heartbeat": now()}
    if progress is not None:
        values["progress"] = progress
    with engine.begin() as db:
        db.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.server == server)
                   .values(**values))
        return bool(db.execute(select(jobs.c.cancel).where(jobs.c.id == job_id)).scalar())


def finish(engine: Engine, job_id: str, server: str, status: str, *, summary: Any = None,
           error: str | None = None, progress: list[dict[str, Any]] | None = None,
           reruns: int = 0) -> None:
    """End a running job (only its own server's claim may).

    ``reruns``: how often Dask ran it again within this claim (its worker died, or it raised),
    added to its ``attempts``.
    """
    values: dict[str, Any] = {"status": status, "finished": now(), "summary": summary,
                              "error": error}
    if reruns > 0:
        values["attempts"] = jobs.c.attempts + reruns
    if status == "done" or (status == "cancelled" and summary is not None):
        values["result_of"] = job_id
    if progress is not None:
        values["progress"] = progress
    with engine.begin() as db:
        db.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.server == server,
                                      jobs.c.status == "running").values(**values))


def cancel(engine: Engine, job_id: str) -> str | None:
    """Cancel: a waiting job at once, a running one through its server. Its status after."""
    with engine.begin() as db:
        db.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(WAITING))
                   .values(status="cancelled", finished=now(),
                           error="cancelled before it started"))
        db.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == "running")
                   .values(cancel=True))
        return db.execute(select(jobs.c.status).where(jobs.c.id == job_id)).scalar()


def reusable(engine: Engine, reuse_key: str) -> Row[Any] | None:
    """The newest finished (``done``) job with the same inputs, settings and versions."""
    with engine.connect() as db:
        return db.execute(select(jobs).where(jobs.c.reuse_key == reuse_key,
                                             jobs.c.status == "done",
                                             jobs.c.result_of.is_not(None))
                          .order_by(jobs.c.finished.desc()).limit(1)).first()


def _dead(server: str | None, heartbeat: Any, me: str) -> bool:
    """Whether the server that claimed a job is gone: its process on this host, or silent."""
    if server is None or server == me:
        return False
    host, _, rest = server.partition(":")
    pid = rest.partition(":")[0]
    if host == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
    return heartbeat is None or heartbeat < now() - timedelta(seconds=STALE_SECONDS)


def recover(engine: Engine, me: str) -> list[tuple[str, str]]:
    """Jobs left ``running`` by a dead server: ``interrupted`` (to run again) or ``failed``.

    Returns (job id, new status) for each.
    """
    with engine.connect() as db:
        rows = db.execute(select(jobs.c.id, jobs.c.server, jobs.c.heartbeat, jobs.c.attempts)
                          .where(jobs.c.status == "running")).all()
    changed = []
    for row in rows:
        if not _dead(row.server, row.heartbeat, me):
            continue
        again = row.attempts < MAX_ATTEMPTS
        status = "interrupted" if again else "failed"
        error = (f"its server ({row.server}) stopped while it ran; "
                 + ("submitted again" if again else
                    f"started {row.attempts} times, each time its server stopped"))
        with engine.begin() as db:
            done = db.execute(update(jobs).where(jobs.c.id == row.id,
                                                 jobs.c.status == "running",
                                                 jobs.c.server == row.server)
                              .values(status=status, error=error,
                                      finished=None if again else now()))
        if done.rowcount:
            changed.append((row.id, status))
    return changed
