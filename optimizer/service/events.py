"""GET /v1/jobs/{id}/events: the job's progress as Server-Sent Events, from the database.

Each new progress entry is an ``event: progress`` with its JSON; a change of status an
``event: status``; the stream ends with the job (``event: end``). It reads the database, not
Dask, so any server sharing the database streams any job.

A stream is an async generator on the event loop: between two reads it waits in
``asyncio.sleep`` and holds no thread. The read (one ``SELECT`` of the row) runs in the thread
pool for its milliseconds, at most once every ``POLL_SECONDS`` per job however many streams
follow that job (``Streams``). As a plain iterator, each stream held a thread of the pool
for every step, its sleep included: 40 open streams took the whole pool and the other
endpoints waited.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from optimizer.service import store

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0


@dataclass
class _Followed:
    """One streamed job: its row as last read, and how many streams follow it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    row: Any = None
    at: float = -math.inf
    streams: int = 0


class Streams:
    """The jobs this server streams, each read at most every ``POLL_SECONDS``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._jobs: dict[str, _Followed] = {}

    @contextlib.asynccontextmanager
    async def following(self, job_id: str) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
        """A reader of the job's row for one stream (the job forgotten with its last stream)."""
        followed = self._jobs.setdefault(job_id, _Followed())
        followed.streams += 1
        try:
            yield lambda: self._read(job_id, followed)
        finally:
            followed.streams -= 1
            if followed.streams == 0 and self._jobs.get(job_id) is followed:
                del self._jobs[job_id]

    async def _read(self, job_id: str, followed: _Followed) -> Any:
        async with followed.lock:  # one read at a time; the others take its row
            if time.monotonic() - followed.at >= POLL_SECONDS:
                followed.row = await run_in_threadpool(store.get, self.engine, job_id)
                followed.at = time.monotonic()
            return followed.row


def _event(kind: str, data: object) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n"


async def events(streams: Streams, job_id: str) -> AsyncIterator[str]:
    """The stream's text, until the job ends (or disappears)."""
    sent, status, quiet = 0, None, time.monotonic()
    async with streams.following(job_id) as read:
        while True:
            row = await read()
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
            await asyncio.sleep(POLL_SECONDS)


def stream(streams: Streams, job_id: str) -> StreamingResponse:
    """The SSE response."""
    return StreamingResponse(events(streams, job_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
