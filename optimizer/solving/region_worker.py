"""The decomposition's default ``RegionRunner``: region blocks solved in local worker processes.

Each worker is an isolated interpreter in its own process group (``optimizer.runtime.isolated``):
it imports only srsopt's own code whatever the current directory holds, never the caller's
``__main__``, stops with its parent, and is killed with its group when the call ends early.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from optimizer.formulation.index import FloatArray
from optimizer.highs.adapter import HighsOptions
from optimizer.highs.on_time import note_time_stop, submit_counted
from optimizer.runtime import stopping
from optimizer.runtime.isolated import Worker
from optimizer.solving.regions import RegionModel, RegionRow, RegionsSolved, solve_regions

log = logging.getLogger(__name__)

FALLBACK_SECONDS = 1.0
"""A block whose worker failed is solved here: its LP (the bound) and at least this long a MIP."""


SOLVE = "optimizer.solving.regions:solve_regions_counted"
_ready: list[Worker] = []
_lock = threading.Lock()


@contextmanager
def started_early(count: int) -> Iterator[None]:
    """Start ``count`` region workers now, for the decomposition to come.

    Their start-up (an interpreter and srsopt's solving code, ~1.3 s each) then overlaps the
    caller's own work, the LP relaxation; ``LocalRegions`` takes them before starting others.
    Those left unused end with the context.
    """
    mine = [Worker(SOLVE) for _ in range(count)]
    with _lock:
        _ready.extend(mine)
    try:
        yield
    finally:
        with _lock:
            unused = [worker for worker in mine if worker in _ready]
            _ready[:] = [worker for worker in _ready if worker not in unused]
        for worker in unused:
            worker.close()


def _worker() -> Worker:
    """A worker started early, or a new one."""
    with _lock:
        if _ready:
            return _ready.pop()
    return Worker(SOLVE)


def solve_here(models: list[RegionModel], options: HighsOptions, deadline: float
               ) -> list[RegionRow]:
    """Blocks another worker did not solve, here: each its LP and a short MIP (a late answer)."""
    return solve_regions(models, options, max(deadline, time.time() + FALLBACK_SECONDS))


class LocalRegions:
    """The blocks dealt to ``workers`` processes, one HiGHS thread each; 1: solved here.

    ``here=False`` with one worker: in one process beside this one, which then does
    other work (``optimizer.solving.side_by_side``).

    Each worker's own scheduler is its HiGHS's, so its nodes do not depend on the others; a
    failed worker's blocks are solved here.
    """

    def __init__(self, workers: int, here: bool | None = None) -> None:
        self.workers = max(1, workers)
        self.here = self.workers == 1 if here is None else here
        """Solved in this process (one worker only), not in worker processes."""
        self.description = ("this process" if self.here
                            else f"{self.workers} local worker process"
                            + ("es" if self.workers > 1 else ""))

    def __call__(self, models: list[RegionModel], options: HighsOptions, deadline: float
                 ) -> RegionsSolved:
        """Every block's row; see the class."""
        if self.here:
            return RegionsSolved(solve_regions(models, options, deadline))
        groups = [group for group in dealt(models, [1.0] * self.workers) if group]  # few: fewer
        single = replace(options, threads=1)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(_worker(), group, single, deadline) for group in groups]
        solved: list[RegionRow] = []
        notes: list[str] = []
        for group, future in zip(groups, futures, strict=True):
            try:
                rows, stops = future.result()
                for what in stops:  # a worker's runs ended on time in its own process
                    note_time_stop(f"{what} of a region")
                solved += rows
            except Exception as exc:  # the worker's own error, or it died
                if stopping.requested():
                    break
                log.warning("region worker failed (%s); solving its regions here", exc)
                notes.append(f"a region worker failed ({exc}); its {len(group)} region(s) "
                             "were solved here")
                solved += solve_here(group, options, deadline)
        return RegionsSolved(solved, tuple(notes))


@dataclass
class Handoff:
    """The plan's search tells the blocks it is done, and with what plan (None: none)."""

    done: threading.Event = field(default_factory=threading.Event)
    plan: FloatArray | None = None

    def give(self, plan: FloatArray | None) -> None:
        """Done, with ``plan``."""
        self.plan = plan
        self.done.set()


class JoinedLater:
    """Blocks in two worker processes, the second joining when the plan's search is done.

    A warm solve's blocks start in one worker beside the plan's search
    (``optimizer.solving.side_by_side``); when that search hands its plan over, the other core
    takes the blocks dealt to it, each starting from that plan where it is the better start
    (``RegionModel.started_from``), about twice as fast. ``later_share``: the share of the
    blocks' weight dealt to the second worker. It starts at the latest with
    ``LATEST_SECONDS`` left, so that every block has its bound.
    """

    LATEST_SECONDS = 1.0
    description = "2 local worker processes, the second once the plan's search is done"

    def __init__(self, handoff: Handoff, later_share: float) -> None:
        self.handoff, self.later_share = handoff, later_share

    def __call__(self, models: list[RegionModel], options: HighsOptions, deadline: float
                 ) -> RegionsSolved:
        """Every block's row; see the class."""
        first, later = dealt(models, [1.0 - self.later_share, self.later_share])
        one = LocalRegions(1, here=False)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # its blocks' time stops reach the caller's tally
            now = submit_counted(pool, one, first, options, deadline) if first else None
            if later:
                self.handoff.done.wait(max(deadline - time.time() - self.LATEST_SECONDS, 0.0))
                plan = self.handoff.plan
                later = later if plan is None else [m.started_from(plan) for m in later]
            joined = one(later, options, deadline) if later else RegionsSolved([])
            ran = now.result() if now is not None else RegionsSolved([])
        return RegionsSolved(ran.rows + joined.rows, ran.notes + joined.notes)


def dealt(models: list[RegionModel], shares: list[float]) -> list[list[RegionModel]]:
    """Blocks dealt to groups of these shares of their weight.

    Largest first, each to the group with the most of its share still to fill.
    """
    total = sum(m.weight for m in models)
    room = [share * total for share in shares]
    groups: list[list[RegionModel]] = [[] for _ in shares]
    for model in sorted(models, key=lambda m: -m.weight):
        k = room.index(max(room))
        groups[k].append(model)
        room[k] -= model.weight
    return groups
