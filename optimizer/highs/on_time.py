"""What ended on time, not on its own terms: the tally a solve's status reads.

Reproducible mode reads it too (``time_stops``). It lives in a ``ContextVar``, which a pool's
threads see only when their task is submitted with ``submit_counted``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from typing import Any, TypeVar

_time_stops: ContextVar[list[str] | None] = ContextVar("time_stops", default=None)


@contextmanager
def time_stops() -> Iterator[list[str]]:
    """Collect what ended on time, not on its own terms, while the context is open.

    In reproducible mode (``node_limit``) every stage should end on its node limit or by
    finishing: time is only a safety net, and a stage it stops ends wherever the machine's
    speed left it, so the plan is no longer the same on every machine.

    A context opened inside another hands what it collected to the outer one when it closes,
    so a step can ask about its own runs (``solving.verdict``) without hiding them from the
    caller's tally.
    """
    outer = _time_stops.get()
    tally: list[str] = []
    token = _time_stops.set(tally)
    try:
        yield tally
    finally:
        _time_stops.reset(token)
        if outer is not None:
            outer.extend(tally)


def time_stopped() -> bool:
    """Whether anything in the open ``time_stops`` context has ended on time so far."""
    return bool(_time_stops.get())


def note_time_stop(what: str) -> None:
    """Record in the open ``time_stops`` context (if any) that ``what`` ended on time."""
    tally = _time_stops.get()
    if tally is not None:
        tally.append(what)


_T = TypeVar("_T")


def submit_counted(pool: Executor, fn: Callable[..., _T], *args: Any) -> Future[_T]:
    """``pool.submit(fn, *args)``, run in a copy of this context.

    A pool's threads do not inherit context variables: without the copy, ``fn``'s time stops
    would miss the open ``time_stops`` tally.
    """
    return pool.submit(copy_context().run, fn, *args)
