"""Stopping on request: SIGINT and SIGTERM become one process-wide stop request.

A long solve is stopped, not killed. Inside ``on_signals`` a signal only sets an event (a
handler that never raises, so nothing is cut off half-way, a file being written included);
everything that runs for long looks at it:

- ``optimizer.highs.adapter.run`` turns it into HiGHS's interrupt within its polling interval, and
  starts no HiGHS run once it is set;
- the strategy, the decomposition, the staged modes, what-if, sweep and alternatives skip their
  remaining stages, and the best plan found so far is returned with status ``interrupted``;
- ``optimizer.runtime.isolated`` passes it on to the worker processes (SIGTERM to their group).

Outside ``on_signals`` (``raise_on_signals``, set up by the console entry) a signal raises
``Interrupted`` instead, so a command that has nothing to keep ends at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_request = threading.Event()
_received: list[int] = []
"""Signals received since the last ``reset``, the first one first."""


class Interrupted(BaseException):
    """A signal arrived while nothing could keep a partial result (outside ``on_signals``).

    A ``BaseException``, like ``KeyboardInterrupt``, so that ``except Exception`` passes it on.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def requested() -> bool:
    """Whether a stop was requested (by a signal, or by ``request``)."""
    return _request.is_set()


def request(signum: int | None = None) -> None:
    """Request a stop; ``signum`` is kept for the exit code."""
    if signum is not None:
        _received.append(signum)
    _request.set()


def received() -> int | None:
    """The first signal received since the last ``reset``, or None."""
    return _received[0] if _received else None


def exit_code(signum: int) -> int:
    """The shell's code for a process ended by ``signum``: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + int(signum)


def reset() -> None:
    """Forget the request (a new run in the same process starts unstopped)."""
    _received.clear()
    _request.clear()


def _can_handle_signals() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def on_signals(notice: str | None = None) -> Iterator[None]:
    """Inside: SIGINT and SIGTERM request a stop instead of ending the process.

    ``notice`` is written to stderr at the first signal (the user sees the stop was heard);
    later signals are only recorded. The previous handlers are restored on leaving, unless a
    signal came (then later ones are ignored: the process is ending); the request is cleared on
    entering and leaving. Outside the main thread (where Python cannot
    set handlers) this only clears the request.
    """
    reset()
    if not _can_handle_signals():
        try:
            yield
        finally:
            reset()
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        first = not requested()
        request(signum)
        if first and notice:
            name = signal.Signals(signum).name
            os.write(2, f"\n{notice.format(signal=name)}\n".encode(errors="replace"))

    previous = {s: signal.signal(s, handle) for s in SIGNALS}
    try:
        yield
    finally:
        stopped = requested()
        for s, handler in previous.items():
            # after a stop the process is ending with its code: later signals must not cut
            # that short (an exception in an exit handler, another code). SIG_IGN, unlike a
            # Python handler, also holds while the interpreter shuts down.
            signal.signal(s, signal.SIG_IGN if stopped else handler)
        reset()


def raise_on_signals() -> None:
    """Make SIGINT and SIGTERM raise ``Interrupted`` in the main thread (the console entry).

    ``on_signals`` takes over around the commands that keep a partial result.
    """
    def handle(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    if _can_handle_signals():
        for s in SIGNALS:
            signal.signal(s, handle)
