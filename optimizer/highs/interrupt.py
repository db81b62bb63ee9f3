"""Interrupting a HiGHS run on time and on a stop request, without raising inside HiGHS."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import highspy

from optimizer.runtime import stopping

T = TypeVar("T")

POLL_SECONDS = 0.1
"""How often a run looks at its deadline and at the stop request
(``optimizer.runtime.stopping``)."""


def _stop(event: highspy.HighsCallbackEvent) -> None:
    event.interrupt()  # never raise here: an exception inside a HiGHS callback is lost


def _subscribe_interrupt(h: highspy.Highs) -> None:
    h.cbMipInterrupt += _stop
    h.cbSimplexInterrupt += _stop
    h.cbIpmInterrupt += _stop


def solve_interruptibly(h: highspy.Highs, work: Callable[[], T], deadline: float | None) -> T:
    """``work()`` (``h.run``, or Pyomo's solve of ``h``) in a helper thread, interrupted in time.

    HiGHS's ``h`` is interrupted at ``deadline`` (seconds from now) or on a stop request.

    HiGHS checks ``time_limit`` only between phases (a cut-separation round on the national
    model overran it by 10 s), and a signal handler cannot run while this thread is inside
    HiGHS; so HiGHS runs in its own thread and this one polls. The interrupt callbacks are
    subscribed only when needed: subscribed from the start they cost ~40% of the solve (they
    run in Python at every check). They are withdrawn when the run ends, so ``h`` can be run
    again (a live model). An exception here (``KeyboardInterrupt`` in a library caller)
    interrupts HiGHS and waits for it before going on.
    """
    end = math.inf if deadline is None else time.monotonic() + deadline
    failure: list[BaseException] = []
    value: list[T] = []

    def target() -> None:
        try:
            value.append(work())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)
        finally:
            highspy.Highs.resetThreadScheduler(False)  # this thread's HiGHS workers end with it

    thread = threading.Thread(target=target, name="highs-run", daemon=True)
    subscribed = False
    thread.start()
    try:
        while thread.is_alive():
            if not subscribed and (stopping.requested() or time.monotonic() >= end):
                _subscribe_interrupt(h)
                subscribed = True
            thread.join(POLL_SECONDS if subscribed else
                        min(POLL_SECONDS, max(end - time.monotonic(), 0.0)))
    except BaseException:
        if not subscribed:
            _subscribe_interrupt(h)
            subscribed = True
        thread.join()
        raise
    finally:
        if subscribed:
            for event in (h.cbMipInterrupt, h.cbSimplexInterrupt, h.cbIpmInterrupt):
                event.clear()
    if failure:
        raise failure[0]
    return value[0]
