"""What the app does once started and before it serves, so that serving never stalls its loop.

Both were found behind ``/v1/health`` answers of 150 ms to over a second under load
(``benchmarks/bench_service.py``; docs/service.md, Figures):

- FastAPI builds each route's validators (about 90 pydantic ``TypeAdapter`` here) at the first
  request, on the event loop: 0.06 s on an idle machine, over a second under load, during
  which no request was answered; the form fields of ``SolverOptions`` likewise at the first
  submission. ``warm`` has them built now: one request that no route matches passes every
  route, and the form model's fields are asked for once.
- A full garbage collection walked the whole heap (pandas, Dask, SQLAlchemy, FastAPI): 130-240
  ms with the GIL held, every few seconds under load. ``settle`` freezes what is alive at
  start (``gc.freeze``): later collections walk only what requests and jobs make.
"""

from __future__ import annotations

import gc

import httpx
from fastapi import FastAPI

from optimizer.service.schemas import SolverOptions

WARM_PATH = "/srsopt-warm-up"
"""A path no route serves."""


async def warm(app: FastAPI) -> None:
    """Have FastAPI build every route's validators now, in this process (no socket)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://srsopt") as client:
        await client.get(WARM_PATH)
    try:
        from fastapi._compat import get_cached_model_fields
    except ImportError:  # another FastAPI: its first submission builds them
        return
    get_cached_model_fields(SolverOptions)


def settle() -> None:
    """Collect once, then keep what is alive now out of every later collection."""
    gc.collect()
    gc.freeze()


async def prepare(app: FastAPI) -> None:
    """``warm``, then ``settle`` (what warming made is frozen with the rest)."""
    await warm(app)
    settle()
