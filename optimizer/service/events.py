"""GET /v1/jobs/{id}/events: the job's progress as Server-Sent Events, from the database.

Each new progress entry is an ``event: progress`` with its JSON; a change of status an
``event: status``; the stream ends with the job (``event: end``). It reads the database, not
Dask, so any server sharing the database streams any job.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from optimizer.service import store

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0


def _event(kind: str, data: object) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n"


def events(engine: Engine, job_id: str) -> Iterator[str]:
    """The stream's text, until the job ends (or disappears)."""
    sent, status, quiet = 0, None, time.monotonic()
    while True:
        row = store.get(engine, job_id)
        if row is None:
            return
        progress = list(row.progress or [])
        if len(progress) < sent:  # a second attempt starts its progress again
            sent = 0
        for entry in progress[sent:]:
            yield _event("progress", entry)
        if row.status != status:
            status = row.status
            yield _event("status", {"status": status, "error": row.error})
        if progress[sent:]:
            quiet = time.monotonic()
        sent = len(progress)
        if row.status in store.ENDED:
            yield _event("end", {"status": row.status})
            return
        if time.monotonic() - quiet > KEEPALIVE_SECONDS:
            quiet = time.monotonic()
            yield ": keep-alive\n\n"
        time.sleep(POLL_SECONDS)


def stream(engine: Engine, job_id: str) -> StreamingResponse:
    """The SSE response."""
    return StreamingResponse(events(engine, job_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
