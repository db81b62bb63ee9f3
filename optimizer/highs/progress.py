"""Progress of a solve as plain data, for whoever listens: the CLI's progress line, a web stream.

One process-wide listener, none by default: then ``adapter.run`` subscribes nothing and pays
nothing. With one set (``listening``), every HiGHS run reports when it starts and when it ends
and, for a MIP, each new incumbent (``cbMipImprovingSolution``) and each of HiGHS's log lines
(``cbMipLogging``: the bound moves between incumbents). The strategy names its stages
(``stage``); an unnamed run is ``LP`` or ``MIP``.

A listener is called from HiGHS's own thread, inside its callback: it must be quick, and an
exception it raises is logged and dropped (one raised inside HiGHS would be lost, or worse).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import highspy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a solve stands: one stage's figures at one moment (plain data, ``as_dict``)."""

    stage: str
    """What runs: ``LP relaxation``, ``heuristic`` or ``MIP`` as the strategy names it, else
    ``LP`` or ``MIP``."""
    elapsed: float
    """Seconds since the listener was set."""
    incumbent: float | None = None
    """Objective of the stage's best plan so far."""
    bound: float | None = None
    """The stage's proven bound on its own model (an LP relaxation's value; a heuristic's
    sub-MIP bounds only its neighbourhood, not the whole model)."""
    gap: float | None = None
    """Relative gap between the two, as HiGHS computes it."""
    done: bool = False
    """The stage's run has ended (its final figures)."""

    def as_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready mapping."""
        return asdict(self)


Listener = Callable[[Progress], None]


class _Audience:
    """The process-wide listener and when it started listening.

    Process-wide, not per context: the decomposition solves regions in its own threads.
    """

    listener: ClassVar[Listener | None] = None
    started: ClassVar[float] = 0.0
    lock: ClassVar[threading.Lock] = threading.Lock()


class _Stages(threading.local):
    """The stages being run, per thread (a warm solve runs two at once, each names its own)."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, bool, bool]] = []


_stages = _Stages()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every run's progress to ``listener`` while the context is open.

    The previous listener, if any, is set again when it closes.
    """
    with _Audience.lock:
        previous = _Audience.listener, _Audience.started
        _Audience.listener, _Audience.started = listener, time.perf_counter()
    try:
        yield
    finally:
        with _Audience.lock:
            _Audience.listener, _Audience.started = previous


@contextmanager
def stage(name: str, figures: bool = True, bounds: bool = True) -> Iterator[None]:
    """Name the HiGHS runs started inside (``LP relaxation``, ``heuristic``); also a decorator.

    ``figures=False``: the runs' objective values mean nothing for the whole model (the
    Lagrangian bound's region sub-problems), so only their start and end are reported.
    ``bounds=False``: their plans are plans of the whole model but their bounds are not (a
    heuristic's sub-MIP bounds only its neighbourhood): only the plan is reported, never a
    bound or a gap that would read as proven.
    """
    _stages.stack.append((name, figures, bounds))
    try:
        yield
    finally:
        _stages.stack.pop()


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def report(name: str, *, incumbent: float | None = None, bound: float | None = None,
           gap: float | None = None, done: bool = False) -> None:
    """Send one event to the listener, if there is one; a failing listener is logged only."""
    listener = _Audience.listener
    if listener is None:
        return
    event = Progress(name, time.perf_counter() - _Audience.started, _finite(incumbent),
                     _finite(bound), _finite(gap), done)
    try:
        listener(event)
    except Exception:  # never into HiGHS's callback
        log.exception("progress listener failed")


class Watch:
    """One HiGHS run reported to the listener: ``done`` with its final figures, then ``stop``."""

    def __init__(self, h: highspy.Highs, mip: bool) -> None:
        name, figures, bounds = (_stages.stack[-1] if _stages.stack
                                 else ("MIP" if mip else "LP", True, True))
        self.h, self.name, self.figures, self.bounds = h, name, figures, bounds
        self.flags: dict[str, bool] = {}
        if _Audience.listener is None:
            return
        report(name)
        if mip and figures:
            self._subscribe()

    def _subscribe(self) -> None:
        """Subscribe HiGHS's improving-solution and logging callbacks.

        The logging callback needs HiGHS's log on; it is kept off the console.
        """
        h = self.h
        self.flags = {flag: bool(h.getOptionValue(flag)[1]) for flag in ("output_flag",
                                                                          "log_to_console")}
        if not self.flags["output_flag"]:
            h.setOptionValue("output_flag", True)
            h.setOptionValue("log_to_console", False)
        h.cbMipImprovingSolution += self._improved
        h.cbMipLogging += self._logged

    def _improved(self, event: highspy.HighsCallbackEvent) -> None:
        data = event.data_out
        self._report(data.objective_function_value, data.mip_dual_bound, data.mip_gap)

    def _logged(self, event: highspy.HighsCallbackEvent) -> None:
        data = event.data_out
        self._report(data.mip_primal_bound, data.mip_dual_bound, data.mip_gap)

    def _report(self, incumbent: float | None, bound: float | None, gap: float | None,
                done: bool = False) -> None:
        if not self.bounds:
            bound = gap = None
        report(self.name, incumbent=incumbent, bound=bound, gap=gap, done=done)

    def stop(self) -> None:
        """Unsubscribe what was subscribed and give HiGHS its log settings back."""
        if self.flags:
            self.h.cbMipImprovingSolution -= self._improved
            self.h.cbMipLogging -= self._logged
            for flag, value in self.flags.items():
                self.h.setOptionValue(flag, value)
            self.flags = {}

    def done(self, incumbent: float | None, bound: float | None, gap: float | None) -> None:
        """Report the run's end, with its figures when they mean something."""
        if self.figures:
            self._report(incumbent, bound, gap, done=True)
        else:
            report(self.name, done=True)


def watch(h: highspy.Highs, mip: bool) -> Watch:
    """Report the run of ``h`` to the listener, if there is one.

    Its start at once and, for a MIP, each new incumbent and log line. Nothing is subscribed
    when nobody listens.
    """
    return Watch(h, mip)
